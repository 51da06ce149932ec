package io.ckpt.forensics.collector;

import java.util.Objects;

/**
 * A collection that failed, with its reason and a message that says what happened and what to do.
 * Messages are built from our own text and file names only: never key material or credentials.
 */
public final class CollectionFailure extends Exception {

  private static final long serialVersionUID = 1L;

  private final FailureReason reason;

  public CollectionFailure(FailureReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public FailureReason reason() {
    return reason;
  }
}
