package io.ckpt.forensics.evidence;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Measures (SHA-256 and count) every byte read through it; no mark/reset, so no byte counts twice. */
public final class MeasuringInputStream extends FilterInputStream {

  private final MessageDigest digest = Sha256.newDigest();
  private long size;
  private static final int SKIP_BUFFER_BYTES = 64 * 1024;
  private byte[] skipBuffer;

  public MeasuringInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      digest.update((byte) b);
      size++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      digest.update(b, off, n);
      size += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // skipped bytes must be measured too; one buffer for every skip (a reader skips a large member
    // in many calls, and a new buffer each time is garbage the heap grows for)
    if (skipBuffer == null) {
      skipBuffer = new byte[SKIP_BUFFER_BYTES];
    }
    int read = read(skipBuffer, 0, (int) Math.max(0, Math.min(n, skipBuffer.length)));
    return Math.max(read, 0);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {
    // not supported: see markSupported
  }

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported: every byte is measured once");
  }

  /** Reads what is left, measuring it, and returns the measurement of everything read. */
  public Measurement drainAndMeasure() throws IOException {
    byte[] buffer = new byte[64 * 1024];
    while (read(buffer, 0, buffer.length) >= 0) {
      // measured in read
    }
    return new Measurement(HexFormat.of().formatHex(digest.digest()), size);
  }
}
