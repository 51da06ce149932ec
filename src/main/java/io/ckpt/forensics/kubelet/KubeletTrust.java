package io.ckpt.forensics.kubelet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * How the direct transport decides whether it talks to the real kubelet: the kubelet's serving
 * certificate must chain to a CA of a configured PEM bundle and name the address dialled, or, only
 * when explicitly configured, anything is accepted.
 */
public final class KubeletTrust {

  private final SSLContext context;
  private final X509TrustManager trustManager;
  private final HostnameVerifier hostnameVerifier;
  private final String description;
  private final boolean verifying;

  private KubeletTrust(SSLContext context, X509TrustManager trustManager, HostnameVerifier hostnameVerifier,
      String description, boolean verifying) {
    this.context = context;
    this.trustManager = trustManager;
    this.hostnameVerifier = hostnameVerifier;
    this.description = description;
    this.verifying = verifying;
  }

  /** Trusts the CA certificates of {@code bundle} (PEM, one or more) and nothing else. */
  public static KubeletTrust fromCaBundle(Path bundle) {
    try (InputStream in = Files.newInputStream(bundle)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("FCP_KUBELET_CA_FILE " + bundle + " holds no PEM certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("kubelet-ca-" + i++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      X509TrustManager trust = null;
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          trust = x509;
        }
      }
      if (trust == null) {
        throw new IllegalStateException("no X509 trust manager");
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, new SecureRandom());
      // OkHttp's own hostname verifier (null here) checks the certificate's DNS and IP SANs
      return new KubeletTrust(context, trust, null,
          "the CA bundle FCP_KUBELET_CA_FILE=" + bundle + " (" + certificates.size() + " certificate"
              + (certificates.size() == 1 ? "" : "s") + ")", true);
    } catch (IOException e) {
      throw new IllegalArgumentException("FCP_KUBELET_CA_FILE: cannot read " + bundle + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("FCP_KUBELET_CA_FILE: " + bundle + " is not a PEM certificate bundle: "
          + e.getMessage(), e);
    }
  }

  /** Accepts every kubelet certificate: the explicit opt-out for self-signed kubelet certificates. */
  public static KubeletTrust insecure() {
    X509TrustManager acceptAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // the operator is the client; never asked
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        // deliberately none: FCP_KUBELET_INSECURE_SKIP_VERIFY=true
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {acceptAll}, new SecureRandom());
      return new KubeletTrust(context, acceptAll, (host, session) -> true,
          "no verification (FCP_KUBELET_INSECURE_SKIP_VERIFY=true)", false);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  SSLContext context() {
    return context;
  }

  X509TrustManager trustManager() {
    return trustManager;
  }

  /** Null: OkHttp's default verifier. */
  HostnameVerifier hostnameVerifier() {
    return hostnameVerifier;
  }

  /** Whether kubelet certificates are verified at all. */
  public boolean verifying() {
    return verifying;
  }

  /** What kubelet certificates are checked against, for messages. */
  public String description() {
    return description;
  }
}
