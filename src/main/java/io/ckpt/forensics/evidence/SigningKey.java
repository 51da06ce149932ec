package io.ckpt.forensics.evidence;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A record-signing key from a PEM {@code PRIVATE KEY} file (unencrypted PKCS#8, as
 * {@code openssl genpkey} writes it and a Kubernetes Secret holds it): ECDSA P-256 or Ed25519.
 * The public half is derived from the private key, so one file is all a signer needs.
 */
public final class SigningKey {

  private final PrivateKey key;
  private final VerificationKey publicHalf;

  private SigningKey(PrivateKey key, VerificationKey publicHalf) {
    this.key = key;
    this.publicHalf = publicHalf;
  }

  /** Reads a PEM PKCS#8 private key file. */
  public static SigningKey load(Path file) throws KeyFileException {
    PemBlock pem = PemBlock.read(file, "signing key");
    switch (pem.label()) {
      case "PRIVATE KEY" -> { }
      case "EC PRIVATE KEY" -> throw new KeyFileException("signing key " + file
          + ": an SEC1 \"EC PRIVATE KEY\"; convert it to PKCS#8 with openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW");
      case "ENCRYPTED PRIVATE KEY" -> throw new KeyFileException("signing key " + file
          + ": encrypted with a passphrase; the Secret must hold it unencrypted (openssl pkey -in OLD -out NEW)");
      default -> throw new KeyFileException("signing key " + file + ": holds a PEM \"" + pem.label()
          + "\" block, not \"PRIVATE KEY\"; create one with openssl genpkey -algorithm ed25519 -out " + file.getFileName());
    }
    for (String family : new String[] {"EC", "Ed25519"}) {
      PrivateKey key;
      try {
        key = KeyFactory.getInstance(family).generatePrivate(new PKCS8EncodedKeySpec(pem.der()));
      } catch (GeneralSecurityException e) {
        continue; // not this family
      }
      SignatureAlgorithm algorithm = SignatureAlgorithm.of(key).orElseThrow(() -> new KeyFileException("signing key "
          + file + ": an " + family + " key on another curve; use ECDSA P-256 (openssl genpkey -algorithm EC -pkeyopt "
          + "ec_paramgen_curve:P-256) or Ed25519 (openssl genpkey -algorithm ed25519)"));
      try {
        return new SigningKey(key, new VerificationKey(publicKeyOf(key, algorithm), algorithm));
      } catch (GeneralSecurityException e) {
        throw new KeyFileException("signing key " + file + ": cannot derive its public key (" + e.getMessage() + ")", e);
      }
    }
    throw new KeyFileException("signing key " + file + ": neither an ECDSA P-256 nor an Ed25519 private key");
  }

  /** The public half: what verifiers need, and the key ID the envelope names. */
  public VerificationKey verificationKey() {
    return publicHalf;
  }

  /** This key's signature of {@code message}. */
  public byte[] sign(byte[] message) {
    try {
      Signature signer = Signature.getInstance(publicHalf.algorithm().jdkName());
      signer.initSign(key);
      signer.update(message);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + publicHalf.algorithm().jdkName(), e);
    }
  }

  // PKCS#8 need not carry the public key (Ed25519's v1 form never does): compute it
  private static PublicKey publicKeyOf(PrivateKey key, SignatureAlgorithm algorithm) throws GeneralSecurityException {
    if (algorithm == SignatureAlgorithm.ED25519) {
      byte[] seed = ((EdECPrivateKey) key).getBytes()
          .orElseThrow(() -> new GeneralSecurityException("the Ed25519 key does not expose its bytes"));
      byte[] raw = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
      // SubjectPublicKeyInfo of an Ed25519 key: a fixed 12-byte prefix (RFC 8410) and the 32-byte key
      byte[] spki = new byte[12 + raw.length];
      System.arraycopy(new byte[] {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, 0, spki, 0, 12);
      System.arraycopy(raw, 0, spki, 12, raw.length);
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }
    ECPrivateKey ec = (ECPrivateKey) key;
    org.bouncycastle.math.ec.ECPoint q = ECNamedCurveTable.getByName("P-256").getG().multiply(ec.getS()).normalize();
    BigInteger x = q.getAffineXCoord().toBigInteger();
    BigInteger y = q.getAffineYCoord().toBigInteger();
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), ec.getParams()));
  }
}
