package io.ckpt.forensics.evidence;

import java.io.InputStream;
import java.util.Arrays;

/** An archive of {@code size} bytes generated as it is read (the same byte in long runs), so a test can stream more than any heap. */
final class GeneratedArchive extends InputStream {

  private long left;

  GeneratedArchive(long size) {
    this.left = size;
  }

  @Override
  public int read() {
    return left-- > 0 ? 0x5a : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (left <= 0) {
      return -1;
    }
    int n = (int) Math.min(len, left);
    Arrays.fill(b, off, off + n, (byte) (left & 0xff));
    left -= n;
    return n;
  }
}
