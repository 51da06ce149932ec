package io.ckpt.forensics.evidence;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/**
 * The public half of a record-signing key, from a PEM {@code PUBLIC KEY} file (SubjectPublicKeyInfo,
 * as {@code openssl pkey -pubout} writes it). Its key ID is the SHA-256 of that DER encoding, in
 * lowercase hex: {@code openssl pkey -pubin -in key.pub.pem -outform DER | sha256sum}.
 */
public final class VerificationKey {

  private final PublicKey key;
  private final SignatureAlgorithm algorithm;
  private final String keyId;

  VerificationKey(PublicKey key, SignatureAlgorithm algorithm) {
    this.key = key;
    this.algorithm = algorithm;
    this.keyId = keyIdOf(key);
  }

  /** Reads a PEM public key file; ECDSA P-256 or Ed25519. */
  public static VerificationKey load(Path file) throws KeyFileException {
    PemBlock pem = PemBlock.read(file, "public key");
    if (!"PUBLIC KEY".equals(pem.label())) {
      throw new KeyFileException("public key " + file + ": holds a PEM \"" + pem.label()
          + "\" block, not \"PUBLIC KEY\"; write one with openssl pkey -in signing-key.pem -pubout -out "
          + file.getFileName());
    }
    for (String family : new String[] {"EC", "Ed25519"}) {
      try {
        PublicKey key = KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(pem.der()));
        return new VerificationKey(key, SignatureAlgorithm.of(key).orElseThrow(() -> new KeyFileException(
            "public key " + file + ": an " + family + " key on another curve; records are signed with ECDSA P-256 or Ed25519")));
      } catch (GeneralSecurityException e) {
        // not this family: try the next
      }
    }
    throw new KeyFileException("public key " + file + ": neither an ECDSA P-256 nor an Ed25519 public key");
  }

  /** The key ID records name their signer by: lowercase hex SHA-256 of the SubjectPublicKeyInfo DER. */
  public String keyId() {
    return keyId;
  }

  public SignatureAlgorithm algorithm() {
    return algorithm;
  }

  /** The PEM text of this key ({@code PUBLIC KEY}), to publish beside the records it verifies. */
  public String pem() {
    return PemBlock.format("PUBLIC KEY", key.getEncoded());
  }

  /** Whether {@code signature} is this key's signature of {@code message}; a malformed signature is simply not. */
  public boolean verifies(byte[] message, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(algorithm.jdkName());
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (java.security.SignatureException e) {
      return false; // not DER, wrong length: not a valid signature
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java runtime cannot verify " + algorithm.jdkName(), e);
    }
  }

  static String keyIdOf(PublicKey key) {
    return HexFormat.of().formatHex(Sha256.digest(key.getEncoded()));
  }
}
