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
  private final String origin;
  private final String description;
  private final boolean verifying;
  private final boolean nodeIdentity;

  private KubeletTrust(SSLContext context, X509TrustManager trustManager, HostnameVerifier hostnameVerifier,
      String origin, String description, boolean verifying, boolean nodeIdentity) {
    this.context = context;
    this.trustManager = trustManager;
    this.hostnameVerifier = hostnameVerifier;
    this.origin = origin;
    this.description = description;
    this.verifying = verifying;
    this.nodeIdentity = nodeIdentity;
  }

  /**
   * This trust, also requiring that a kubelet's serving certificate name the node called (subject
   * CN {@code system:node:<name>}, O {@code system:nodes}), as certificates the cluster CA issues
   * for kubelet-serving CSRs do. Only meaningful while certificates are verified at all.
   *
   * @param setting how messages name the choice
   */
  public KubeletTrust requiringNodeIdentity(String setting) {
    if (!verifying) {
      return this;
    }
    return new KubeletTrust(context, trustManager, hostnameVerifier, origin, description + ", naming the node"
        + " called as CN=system:node:<name> (" + setting + ")", true, true);
  }

  /** Whether the serving certificate must name the node called, beyond chaining to the CA. */
  public boolean requiresNodeIdentity() {
    return nodeIdentity;
  }

  /**
   * Trusts the CA certificates of {@code bundle} (PEM, one or more) and nothing else.
   *
   * @param origin how messages name the bundle: the setting that chose it, with its path
   * @throws IllegalArgumentException naming the path when the bundle cannot be read or holds no certificate
   */
  public static KubeletTrust fromCaBundle(Path bundle, String origin) {
    try (InputStream in = Files.newInputStream(bundle)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(bundle + " holds no PEM certificate");
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
      return new KubeletTrust(context, trust, null, origin,
          "the CA bundle " + origin + " (" + certificates.size() + " certificate"
              + (certificates.size() == 1 ? "" : "s") + ")", true, false);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + bundle + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(bundle + " is not a PEM certificate bundle: " + e.getMessage(), e);
    }
  }

  /**
   * Accepts every kubelet certificate: the explicit opt-out for self-signed kubelet certificates.
   *
   * @param origin how messages name the choice: the setting that made it
   */
  public static KubeletTrust insecure(String origin) {
    X509TrustManager acceptAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // the operator is the client; never asked
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        // deliberately none: the operator was told to skip verification
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {acceptAll}, new SecureRandom());
      return new KubeletTrust(context, acceptAll, (host, session) -> true, origin,
          "no verification (" + origin + ")", false, false);
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

  /** The setting that chose this trust, as given by the operator, for messages. */
  public String origin() {
    return origin;
  }

  /** What kubelet certificates are checked against, for messages. */
  public String description() {
    return description;
  }
}
