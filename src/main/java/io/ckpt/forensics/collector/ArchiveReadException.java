package io.ckpt.forensics.collector;

import java.io.IOException;

/** Reading the node's archive failed (as opposed to encrypting it or handing it to the store). */
final class ArchiveReadException extends IOException {

  private static final long serialVersionUID = 1L;

  ArchiveReadException(String message, IOException cause) {
    super(message, cause);
  }
}
