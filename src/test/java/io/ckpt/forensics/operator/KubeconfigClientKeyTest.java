package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A kubeconfig whose client key is EC (PKCS#8 as kubeadm and the lab write it, or SEC1 "EC PRIVATE KEY")
 * yields a working client; Fabric8 alone fails on PKCS#8 with "Invalid DER: object is not integer".
 */
class KubeconfigClientKeyTest {

  @ParameterizedTest(name = "{0} key as {1}")
  @CsvSource({"EC, PKCS8", "EC, SEC1", "RSA, PKCS8", "RSA, PKCS1"})
  void theClientKeysAlgorithmComesFromTheKey(String algorithm, String form) throws Exception {
    KeyPair keys = keyPair(algorithm);
    Config config = KubeconfigClientKey.readable(Config.fromKubeconfig(kubeconfig(keys, form)));

    // without KubeconfigClientKey this throws "Invalid DER: object is not integer" for EC in PKCS#8
    KeyManager[] managers = SSLUtils.keyManagers(config);
    X509KeyManager manager = (X509KeyManager) Arrays.stream(managers).filter(X509KeyManager.class::isInstance)
        .findFirst().orElseThrow();
    String alias = manager.getClientAliases(algorithm, null)[0];
    assertThat(manager.getPrivateKey(alias).getAlgorithm()).isEqualTo(algorithm);
    if (keys.getPrivate() instanceof java.security.interfaces.ECPrivateKey ec) {
      // the same secret, whatever optional fields its encoding carried
      assertThat(((java.security.interfaces.ECPrivateKey) manager.getPrivateKey(alias)).getS()).isEqualTo(ec.getS());
    } else {
      assertThat(manager.getPrivateKey(alias)).isEqualTo(keys.getPrivate());
    }
    assertThat(config.getClientKeyAlgo()).isEqualTo(algorithm);
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      assertThat(client.getMasterUrl().toString()).startsWith("https://127.0.0.1:6443");
    }
  }

  static KeyPair keyPair(String algorithm) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
    if (algorithm.equals("EC")) {
      generator.initialize(new ECGenParameterSpec("secp256r1"));
    } else {
      generator.initialize(2048);
    }
    return generator.generateKeyPair();
  }

  /** A kubeconfig with a self-signed client certificate and the key in this PEM form. */
  static String kubeconfig(KeyPair keys, String form) throws Exception {
    X500Name name = new X500Name("CN=kubernetes-admin,O=system:masters");
    Instant now = Instant.now();
    String signature = keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    var cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
        BigInteger.ONE, Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.HOURS)), name,
        keys.getPublic()).build(new JcaContentSignerBuilder(signature).build(keys.getPrivate())));
    String keyPem = switch (form) {
      case "PKCS8" -> pem(new JcaPKCS8Generator(keys.getPrivate(), null));
      case "SEC1" -> sec1Pem(keys);
      default -> pem(keys.getPrivate()); // JcaPEMWriter writes an RSA key as PKCS#1
    };
    assertThat(keyPem).startsWith(switch (form) {
      case "PKCS8" -> "-----BEGIN PRIVATE KEY-----";
      case "SEC1" -> "-----BEGIN EC PRIVATE KEY-----";
      default -> "-----BEGIN RSA PRIVATE KEY-----";
    });
    return """
        apiVersion: v1
        kind: Config
        clusters:
          - name: lab
            cluster:
              server: https://127.0.0.1:6443
              insecure-skip-tls-verify: true
        users:
          - name: admin
            user:
              client-certificate-data: %s
              client-key-data: %s
        contexts:
          - name: admin@lab
            context: {cluster: lab, user: admin}
        current-context: admin@lab
        """.formatted(base64(pem(cert)), base64(keyPem));
  }

  /** SEC1 with the curve and the public key, as k3s (Go's x509.MarshalECPrivateKey) and OpenSSL write it. */
  static String sec1Pem(KeyPair keys) throws Exception {
    ECPrivateKey sec1 = new ECPrivateKey(256, ((java.security.interfaces.ECPrivateKey) keys.getPrivate()).getS(),
        SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData(),
        new X962Parameters(SECObjectIdentifiers.secp256r1));
    return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
  }

  static String pem(Object object) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }
}
