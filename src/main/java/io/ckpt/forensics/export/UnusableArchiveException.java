package io.ckpt.forensics.export;

import java.io.IOException;

/** The archive cannot be turned into a checkpoint image: not a checkpoint, or metadata fcp refuses to pass on. */
public final class UnusableArchiveException extends IOException {

  public UnusableArchiveException(String message) {
    super(message);
  }
}
