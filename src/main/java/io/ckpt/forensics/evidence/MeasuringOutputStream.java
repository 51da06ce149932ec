package io.ckpt.forensics.evidence;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Passes bytes through and measures them (SHA-256 and count) on the way. */
final class MeasuringOutputStream extends FilterOutputStream {

  private final MessageDigest digest = Sha256.newDigest();
  private long size;

  MeasuringOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    digest.update((byte) b);
    size++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    // FilterOutputStream's default would write byte by byte
    out.write(b, off, len);
    digest.update(b, off, len);
    size += len;
  }

  /** What passed through so far; call once, when the stream is complete. */
  Measurement measurement() {
    return new Measurement(HexFormat.of().formatHex(digest.digest()), size);
  }
}
