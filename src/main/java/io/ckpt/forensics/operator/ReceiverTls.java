package io.ckpt.forensics.operator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The alert receiver's TLS context from PEM files, as a kubernetes.io/tls Secret holds them. */
final class ReceiverTls {

  private static final Pattern KEY = Pattern.compile(
      "-----BEGIN ((?:EC )?)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");
  private static final char[] NO_PASSWORD = new char[0];

  private ReceiverTls() {
  }

  static SSLContext context(Path certFile, Path keyFile, Path clientCaFile) {
    try {
      Collection<? extends Certificate> chain = certificates(certFile);
      if (chain.isEmpty()) {
        throw new IllegalArgumentException(AlertsConfig.TLS_CERT_FILE + " (" + certFile + ") holds no certificate");
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("receiver", privateKey(keyFile), NO_PASSWORD, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, NO_PASSWORD);
      TrustManagerFactory tmf = null;
      if (clientCaFile != null) {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (Certificate ca : certificates(clientCaFile)) {
          trust.setCertificateEntry("client-ca-" + i++, ca);
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("alert receiver TLS: " + e.getMessage(), e);
    }
  }

  private static Collection<? extends Certificate> certificates(Path file) throws IOException,
      GeneralSecurityException {
    return CertificateFactory.getInstance("X.509").generateCertificates(
        new ByteArrayInputStream(Files.readAllBytes(file)));
  }

  private static PrivateKey privateKey(Path file) throws IOException {
    Matcher m = KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new IllegalArgumentException(AlertsConfig.TLS_KEY_FILE + " (" + file + ") holds no PKCS#8 or EC private"
          + " key in PEM; with cert-manager set privateKey.encoding: PKCS8");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
    if (!m.group(1).isEmpty()) {
      der = KubeconfigClientKey.sec1ToPkcs8(der);
    }
    for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException notThisOne) {
        // next algorithm
      }
    }
    throw new IllegalArgumentException(AlertsConfig.TLS_KEY_FILE + " (" + file + "): not an EC, RSA or Ed25519 key");
  }
}
