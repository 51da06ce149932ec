package io.ckpt.forensics.evidence;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Optional;

/**
 * The two signature algorithms of custody records, with the names other tools give them
 * (securesystemslib's scheme names; the JDK's algorithm names).
 */
public enum SignatureAlgorithm {
  /** ECDSA over NIST P-256 with SHA-256; signatures are ASN.1 DER, as OpenSSL and securesystemslib write them. */
  ECDSA_P256_SHA256("ecdsa-sha2-nistp256", "SHA256withECDSA"),
  /** Ed25519 (RFC 8032), 64-byte signatures. */
  ED25519("ed25519", "Ed25519");

  private final String scheme;
  private final String jdkName;

  SignatureAlgorithm(String scheme, String jdkName) {
    this.scheme = scheme;
    this.jdkName = jdkName;
  }

  /** securesystemslib's scheme name, as docs/evidence.md's verification snippet uses it. */
  public String scheme() {
    return scheme;
  }

  String jdkName() {
    return jdkName;
  }

  /** The algorithm of a key, if it is one of the two (an EC key on another curve is not). */
  static Optional<SignatureAlgorithm> of(Key key) {
    if (key instanceof EdECKey edec && "Ed25519".equalsIgnoreCase(edec.getParams().getName())) {
      return Optional.of(ED25519);
    }
    if (key instanceof ECKey ec && isP256(ec.getParams())) {
      return Optional.of(ECDSA_P256_SHA256);
    }
    return Optional.empty();
  }

  private static boolean isP256(ECParameterSpec params) {
    ECParameterSpec p256 = P256.PARAMS;
    return params.getCurve().equals(p256.getCurve()) && params.getGenerator().equals(p256.getGenerator())
        && params.getOrder().equals(p256.getOrder()) && params.getCofactor() == p256.getCofactor();
  }

  /** P-256's domain parameters, from the JDK. */
  static final class P256 {
    static final ECParameterSpec PARAMS = load();

    private static ECParameterSpec load() {
      try {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        return parameters.getParameterSpec(ECParameterSpec.class);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("this Java runtime has no NIST P-256", e);
      }
    }
  }
}
