package io.ckpt.forensics.lab;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The kubelet's authentication [K4]: a client certificate signed by the cluster CA (x509
 * authenticator), else a bearer token the API server vouches for (TokenReview).
 */
final class KubeletAuthenticator {

  /** Extended key usage "TLS web client authentication". */
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final String nodeName;
  private final X509Certificate clusterCa;
  private final Supplier<KubernetesClient> nodeClient;
  private final Consumer<String> log;

  KubeletAuthenticator(String nodeName, X509Certificate clusterCa, Supplier<KubernetesClient> nodeClient,
      Consumer<String> log) {
    this.nodeName = nodeName;
    this.clusterCa = clusterCa;
    this.nodeClient = nodeClient;
    this.log = log;
  }

  /** The user, or null: not authenticated (401). */
  KubeletUser authenticate(KubeletHttpServer.Request request) {
    KubeletUser fromCert = fromClientCertificate(request);
    if (fromCert != null) {
      return fromCert;
    }
    String authorization = request.header("authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = authorization.substring(7).trim();
      return token.isEmpty() ? null : fromTokenReview(token);
    }
    return null;
  }

  private KubeletUser fromTokenReview(String token) {
    try {
      TokenReview review = nodeClient.get().authentication().v1().tokenReviews()
          .create(new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build());
      if (review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
        var u = review.getStatus().getUser();
        return new KubeletUser(u.getUsername(), u.getUid(), u.getGroups() == null ? List.of() : u.getGroups(),
            u.getExtra() == null ? Map.of() : u.getExtra());
      }
    } catch (KubernetesClientException e) {
      log.accept("node " + nodeName + ": TokenReview failed: " + e.getMessage());
    }
    return null;
  }

  private KubeletUser fromClientCertificate(KubeletHttpServer.Request request) {
    Certificate[] chain;
    try {
      chain = request.session().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return null;
    }
    try {
      leaf.verify(clusterCa.getPublicKey());
      leaf.checkValidity();
      List<String> usages = leaf.getExtendedKeyUsage();
      if (usages != null && !usages.contains(CLIENT_AUTH)) {
        return null;
      }
    } catch (Exception e) {
      return null;
    }
    List<String> groups = new ArrayList<>(Pki.organizations(leaf));
    groups.add("system:authenticated");
    return new KubeletUser(Pki.commonName(leaf), "", groups, Map.of());
  }
}
