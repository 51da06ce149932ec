package io.ckpt.forensics.collector;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** The archive's stream, whose read errors say they come from the archive, so they are reported as ArchiveUnreadable. */
final class ArchiveInput extends FilterInputStream {

  private final Path archive;

  ArchiveInput(InputStream in, Path archive) {
    super(in);
    this.archive = archive;
  }

  @Override
  public int read() throws IOException {
    try {
      return super.read();
    } catch (IOException e) {
      throw failure(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return super.read(b, off, len);
    } catch (IOException e) {
      throw failure(e);
    }
  }

  private ArchiveReadException failure(IOException e) {
    return new ArchiveReadException("reading " + archive + " failed after it was opened (" + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
  }
}
