package io.ckpt.forensics.evidence.store;

/** The bytes' SHA-256 or length is not what was expected, either as they were read or as they were read back. */
public final class EvidenceDigestMismatchException extends EvidenceStoreException {

  public EvidenceDigestMismatchException(String message) {
    super(message);
  }
}
