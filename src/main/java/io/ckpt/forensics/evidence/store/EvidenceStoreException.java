package io.ckpt.forensics.evidence.store;

import java.io.IOException;

/**
 * A destination refused or failed to store or read evidence. Messages name the object and what to
 * do; they never carry credentials.
 */
public class EvidenceStoreException extends IOException {

  public EvidenceStoreException(String message) {
    super(message);
  }

  public EvidenceStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
