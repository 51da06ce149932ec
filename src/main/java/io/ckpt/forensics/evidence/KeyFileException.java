package io.ckpt.forensics.evidence;

import java.io.IOException;

/** A key file that cannot be used (unreadable, wrong format, wrong algorithm); the message names the file and the fix. */
public final class KeyFileException extends IOException {

  private static final long serialVersionUID = 1L;

  public KeyFileException(String message) {
    super(message);
  }

  public KeyFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
