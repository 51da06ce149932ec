package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The lab's certificates, made with Bouncy Castle: ECDSA P-256 keys (fast to generate, accepted by
 * Go, etcd, the JDK and OkHttp), PEM files in PKCS#8 / X.509 form, and JDK SSL contexts.
 */
public final class Pki {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration VALIDITY = Duration.ofDays(365);

  private Pki() {}

  /** A certificate with its key; {@code issuer} is null for a self-signed CA. */
  public record Issued(X509Certificate cert, PrivateKey key, Issued issuer) {

    public String certPem() {
      return pem(cert);
    }

    String keyPem() {
      return privateKeyPem(key);
    }

    /** The certificate followed by its issuer (without the self-signed root). */
    X509Certificate[] chain() {
      return new X509Certificate[] {cert};
    }

    String subjectCn() {
      return commonName(cert);
    }

    /** Writes {@code <dir>/<name>.crt} and {@code <dir>/<name>.key} (mode 0600 for the key). */
    Issued writeTo(Path dir, String name) {
      write(dir.resolve(name + ".crt"), certPem());
      write(dir.resolve(name + ".key"), keyPem());
      return this;
    }
  }

  static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC key pair", e);
    }
  }

  public static Issued newCa(String commonName) {
    KeyPair keys = newKeyPair();
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(name, name, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(sign(builder, keys.getPrivate()), keys.getPrivate(), null);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create CA " + commonName, e);
    }
  }

  /** A leaf certificate: client and/or server use, subject CN and O (Kubernetes user and groups). */
  public static Issued issue(Issued ca, String commonName, List<String> organizations, boolean server, boolean client,
      List<String> dnsNames, List<InetAddress> ipAddresses) {
    KeyPair keys = newKeyPair();
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
    for (String o : organizations) {
      subject.addRDN(BCStyle.O, o);
    }
    subject.addRDN(BCStyle.CN, commonName);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X500Name issuerName = X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded());
      X509v3CertificateBuilder builder = builder(issuerName, subject.build(), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert()));
      List<KeyPurposeId> usages = new ArrayList<>();
      if (server) {
        usages.add(KeyPurposeId.id_kp_serverAuth);
      }
      if (client) {
        usages.add(KeyPurposeId.id_kp_clientAuth);
      }
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usages.toArray(KeyPurposeId[]::new)));
      List<GeneralName> sans = new ArrayList<>();
      for (String dns : dnsNames) {
        sans.add(new GeneralName(GeneralName.dNSName, dns));
      }
      for (InetAddress ip : ipAddresses) {
        sans.add(new GeneralName(GeneralName.iPAddress, ip.getHostAddress()));
      }
      if (!sans.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      return new Issued(sign(builder, ca.key()), keys.getPrivate(), ca);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue certificate " + commonName, e);
    }
  }

  static Issued client(Issued ca, String user, List<String> groups) {
    return issue(ca, user, groups, false, true, List.of(), List.of());
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, key);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
      return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static String privateKeyPem(PrivateKey key) {
    try {
      return pem(new JcaPKCS8Generator(key, null));
    } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new IllegalStateException(e);
    }
  }

  static String commonName(X509Certificate cert) {
    return names(cert, BCStyle.CN).stream().findFirst().orElse("");
  }

  static List<String> organizations(X509Certificate cert) {
    return names(cert, BCStyle.O);
  }

  private static List<String> names(X509Certificate cert, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
    X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    List<String> values = new ArrayList<>();
    for (var rdn : name.getRDNs(type)) {
      values.add(rdn.getFirst().getValue().toString());
    }
    return values;
  }

  static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
      if (file.getFileName().toString().endsWith(".key")) {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A key store holding one key entry (for a TLS server or client). */
  public static KeyStore keyStore(Issued identity) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("identity", identity.key(), new char[0], identity.chain());
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyStore trustStore(X509Certificate... cas) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.length; i++) {
        store.setCertificateEntry("ca-" + i, cas[i]);
      }
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A client SSL context: trusts {@code ca}, presents {@code identity} when not null. */
  static SSLContext clientContext(X509Certificate ca, Issued identity) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustStore(ca));
      KeyManagerFactory kmf = null;
      if (identity != null) {
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(identity), new char[0]);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String base64(String pem) {
    return java.util.Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
