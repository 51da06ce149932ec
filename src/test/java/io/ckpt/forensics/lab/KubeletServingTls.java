package io.ckpt.forensics.lab;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS side of a simulated kubelet's server: serves its certificate and asks for (does not
 * require) a client certificate, which the kubelet's x509 authenticator checks afterwards, so a bad
 * certificate gives 401, not a handshake failure.
 */
final class KubeletServingTls {

  private static final SecureRandom RANDOM = new SecureRandom();

  private KubeletServingTls() {
  }

  /** A server context serving {@code identity}; {@code clientCa} is only advertised as acceptable issuer. */
  static SSLContext context(Pki.Issued identity, X509Certificate clientCa) {
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(Pki.keyStore(identity), new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), new TrustManager[] {new AcceptAnyClient(clientCa)}, RANDOM);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Accepts any client certificate at the TLS level, like Go's tls.RequestClientCert. */
  private static final class AcceptAnyClient extends X509ExtendedTrustManager {
    private final X509Certificate[] issuers;

    AcceptAnyClient(X509Certificate ca) {
      this.issuers = new X509Certificate[] {ca};
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("server side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("server side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("server side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return issuers.clone();
    }
  }
}
