package io.ckpt.forensics.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts the bytes that pass, so tar offsets and the decompression-bomb ratio are known. */
final class MeteredInputStream extends FilterInputStream {

  /** Called after every read or skip with the running total; throws to stop reading. */
  interface Check {
    void afterRead(long total) throws IOException;
  }

  private long count;
  private final Check check;

  MeteredInputStream(InputStream in, long start, Check check) {
    super(in);
    this.count = start;
    this.check = check;
  }

  long count() {
    return count;
  }

  /** Marks this stream as the output of a decoder: its failures mean corrupt compressed data. */
  private String decoderName;

  MeteredInputStream decoding(String name) {
    this.decoderName = name;
    return this;
  }

  private IOException corrupt(Exception e) {
    if (e instanceof ArchiveFormatException afe) {
      return afe;
    }
    return new ArchiveFormatException("", count, "corrupt " + decoderName + " data: " + e, e);
  }

  @Override
  public int read() throws IOException {
    if (decoderName != null) {
      try {
        return read0();
      } catch (IOException | RuntimeException e) {
        throw corrupt(e);
      }
    }
    return read0();
  }

  private int read0() throws IOException {
    int b = super.read();
    if (b >= 0) {
      advance(1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (decoderName != null) {
      try {
        return read0(b, off, len);
      } catch (IOException | RuntimeException e) {
        throw corrupt(e);
      }
    }
    return read0(b, off, len);
  }

  private int read0(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      advance(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    if (decoderName != null) {
      // decoders' skip() allocate or read in unbounded ways; read through a fixed buffer instead
      byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }
    long s = super.skip(n);
    if (s > 0) {
      advance(s);
    }
    return s;
  }

  private void advance(long n) throws IOException {
    count += n;
    if (check != null) {
      check.afterRead(count);
    }
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
