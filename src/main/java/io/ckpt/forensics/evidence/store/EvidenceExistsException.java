package io.ckpt.forensics.evidence.store;

/** Something is already stored under the name: evidence is never replaced, so nothing was written. */
public final class EvidenceExistsException extends EvidenceStoreException {

  public EvidenceExistsException(String location) {
    super("evidence already exists at " + location + " and is never replaced: nothing was written"
        + " (store it under another name)");
  }

  public EvidenceExistsException(String location, Throwable cause) {
    this(location);
    initCause(cause);
  }
}
