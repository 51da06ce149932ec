package io.ckpt.forensics.cluster;

import io.ckpt.forensics.evidence.OpenPgpRecipient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemObjectGenerator;

/**
 * The demo's keys, made fresh for each run so that nothing the demo stores can be opened or
 * re-signed with a key published anywhere: the custody record signing key (ECDSA P-256, PKCS#8
 * PEM, as {@code openssl genpkey} writes it) with its public half, and an analyst's OpenPGP key
 * (ed25519 with a cv25519 encryption subkey, the kind {@code gpg --quick-gen-key} makes, so GnuPG
 * 2.2 reads it too) whose public half the collector encrypts to.
 *
 * @param signingKey PKCS#8 PEM private key: the collector signs records with it
 * @param publicKey PEM public key: {@code fcp verify --key}
 * @param recipientKey armored OpenPGP public key: the collector encrypts to it
 * @param decryptionKey armored OpenPGP secret key, unprotected: {@code fcp verify --decryption-key}
 * @param recipientFingerprint the OpenPGP primary-key fingerprint, as records and status list it
 */
record DemoKeys(Path signingKey, Path publicKey, Path recipientKey, Path decryptionKey, String recipientFingerprint) {

  static DemoKeys generate(Path dir) throws IOException {
    Files.createDirectories(dir);
    try {
      KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
      ec.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = ec.generateKeyPair();
      Path signing = writePem(dir.resolve("custody-signing.pem"), new JcaPKCS8Generator(pair.getPrivate(), null));
      Path pub = writePem(dir.resolve("custody.pub.pem"), new JcaMiscPEMGenerator(pair.getPublic()));
      // the legacy EdDSA/ECDH algorithms of RFC 4880bis, not RFC 9580's new ones: GnuPG 2.2 reads only these
      OpenPGPKey analyst = new BcOpenPGPApi().generateKey(4)
          .withPrimaryKey(generator -> generator.generateLegacyEd25519KeyPair())
          .addUserId("demo analyst (forensic-checkpoint demo) <analyst@example.invalid>")
          .addEncryptionSubkey(generator -> generator.generateLegacyX25519KeyPair())
          .build();
      Path recipient = Files.writeString(dir.resolve("analyst.pub.asc"), analyst.toCertificate().toAsciiArmoredString());
      Path secret = Files.writeString(dir.resolve("analyst.secret.asc"), analyst.toAsciiArmoredString());
      String fingerprint = OpenPgpRecipient.load(recipient).get(0).fingerprint();
      return new DemoKeys(signing, pub, recipient, secret, fingerprint);
    } catch (GeneralSecurityException | PGPException e) {
      throw new IllegalStateException("cannot generate the demo's keys: " + e.getMessage(), e);
    }
  }

  private static Path writePem(Path file, PemObjectGenerator pem) throws IOException {
    try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(file))) {
      writer.writeObject(pem);
    }
    return file;
  }
}
