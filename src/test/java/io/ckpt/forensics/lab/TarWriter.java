package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal ustar writer (no compression), enough for checkpoint archives: regular files and
 * directories, names up to 255 bytes (prefix + name split), two zero blocks at the end, no padding
 * to a 10 KiB record (like Go's archive/tar, which writes the runtimes' archives).
 */
public final class TarWriter implements AutoCloseable {

  private static final int BLOCK = 512;
  private final OutputStream out;
  private boolean closed;

  public TarWriter(OutputStream out) {
    this.out = out;
  }

  public void directory(String name, int mode, long mtimeSeconds) throws IOException {
    header(name.endsWith("/") ? name : name + "/", mode, 0, mtimeSeconds, '5');
  }

  public void file(String name, int mode, long mtimeSeconds, byte[] content) throws IOException {
    header(name, mode, content.length, mtimeSeconds, '0');
    out.write(content);
    pad(content.length);
  }

  /** What writes a streamed member's content. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * A regular file whose content is streamed (for members too large to hold in memory); the
   * content must write exactly {@code size} bytes.
   */
  public void file(String name, int mode, long mtimeSeconds, long size, Content content) throws IOException {
    header(name, mode, size, mtimeSeconds, '0');
    long[] written = {0};
    content.writeTo(new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
        written[0]++;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        written[0] += len;
      }
    });
    if (written[0] != size) {
      throw new IOException(name + ": content wrote " + written[0] + " bytes, the header says " + size);
    }
    pad(size);
  }

  /** A member without data (symbolic link '2', hard link '1', character device '3', FIFO '6'): hostile archives. */
  public void special(String name, char type, String linkTarget) throws IOException {
    header(name, 0644, 0, 1706380245L, type, linkTarget);
  }

  private void header(String name, int mode, long size, long mtime, char type) throws IOException {
    header(name, mode, size, mtime, type, "");
  }

  private void header(String name, int mode, long size, long mtime, char type, String linkTarget) throws IOException {
    byte[] h = new byte[BLOCK];
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    String prefix = "";
    if (nameBytes.length > 100) {
      int slash = name.lastIndexOf('/', name.length() - 2);
      while (slash > 0 && (name.substring(slash + 1).getBytes(StandardCharsets.UTF_8).length > 100
          || name.substring(0, slash).getBytes(StandardCharsets.UTF_8).length > 155)) {
        slash = name.lastIndexOf('/', slash - 1);
      }
      if (slash <= 0) {
        throw new IOException("name too long for ustar: " + name);
      }
      prefix = name.substring(0, slash);
      nameBytes = name.substring(slash + 1).getBytes(StandardCharsets.UTF_8);
    }
    put(h, 0, 100, nameBytes);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = (byte) type;
    put(h, 157, 100, linkTarget.getBytes(StandardCharsets.UTF_8));
    put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    put(h, 265, 32, "root".getBytes(StandardCharsets.US_ASCII));
    put(h, 297, 32, "root".getBytes(StandardCharsets.US_ASCII));
    put(h, 345, 155, prefix.getBytes(StandardCharsets.UTF_8));
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(chk, 0, h, 148, 6);
    h[154] = 0;
    h[155] = ' ';
    out.write(h);
  }

  private static void put(byte[] h, int off, int len, byte[] value) {
    System.arraycopy(value, 0, h, off, Math.min(len, value.length));
  }

  private static void octal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    if (s.length() > len - 1) {
      throw new IllegalArgumentException("value too large for a ustar field: " + value);
    }
    s = "0".repeat(len - 1 - s.length()) + s;
    put(h, off, len - 1, s.getBytes(StandardCharsets.US_ASCII));
    h[off + len - 1] = 0;
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      out.write(new byte[2 * BLOCK]);
      out.flush();
      out.close();
    }
  }
}
