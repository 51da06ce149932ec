package io.ckpt.forensics.export;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes the image layer's tar: POSIX ustar headers, a PAX header where a name or size does not fit,
 * owner root, only regular files and directories, permission bits without set-id or sticky bits. What
 * the runtimes extract from it is then only what the checkpoint needs.
 */
final class LayerTarWriter implements AutoCloseable {

  private static final int BLOCK = 512;
  private static final long MAX_OCTAL_SIZE = 077777777777L;

  private final OutputStream out;

  LayerTarWriter(OutputStream out) {
    this.out = out;
  }

  void directory(String name, long mtimeSeconds) throws IOException {
    header(name + "/", 0, 0755, mtimeSeconds, '5');
  }

  /** A regular file of exactly {@code size} bytes read from {@code data}. */
  void file(String name, long size, int mode, long mtimeSeconds, InputStream data) throws IOException {
    header(name, size, (mode & 0755) | 0400, mtimeSeconds, '0');
    byte[] buf = new byte[64 * 1024];
    long left = size;
    while (left > 0) {
      int n = data.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new UnusableArchiveException(name + " ended " + left + " bytes before the size its header gives");
      }
      out.write(buf, 0, n);
      left -= n;
    }
    pad(size);
  }

  void file(String name, byte[] content, int mode, long mtimeSeconds) throws IOException {
    file(name, content.length, mode, mtimeSeconds, new java.io.ByteArrayInputStream(content));
  }

  private void header(String name, long size, int mode, long mtime, char type) throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    boolean paxName = nameBytes.length > 100;
    boolean paxSize = size > MAX_OCTAL_SIZE;
    if (paxName || paxSize) {
      StringBuilder records = new StringBuilder();
      if (paxName) {
        records.append(paxRecord("path", name));
      }
      if (paxSize) {
        records.append(paxRecord("size", Long.toString(size)));
      }
      byte[] data = records.toString().getBytes(StandardCharsets.UTF_8);
      writeHeader("PaxHeaders/entry", data.length, 0644, mtime, 'x');
      out.write(data);
      pad(data.length);
    }
    writeHeader(paxName ? shortName(name) : name, paxSize ? 0 : size, mode, mtime, type);
  }

  private void writeHeader(String name, long size, int mode, long mtime, char type) throws IOException {
    byte[] h = new byte[BLOCK];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, Math.min(n.length, 100));
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, Math.max(0, mtime));
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = (byte) type;
    System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    h[155] = ' ';
    out.write(h);
  }

  /** A name that fits the ustar field when a PAX path record gives the real one. */
  private static String shortName(String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    return new String(b, b.length - 100, 100, StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", "_");
  }

  private static String paxRecord(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int bodyLength = body.getBytes(StandardCharsets.UTF_8).length;
    int length = bodyLength + 1;
    while (Integer.toString(length).length() + bodyLength != length) {
      length = Integer.toString(length).length() + bodyLength;
    }
    return length + body;
  }

  private static void octal(byte[] h, int offset, int width, long value) {
    String s = Long.toOctalString(value);
    String padded = "0".repeat(Math.max(0, width - 1 - s.length())) + s;
    byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, offset, Math.min(b.length, width - 1));
    h[offset + width - 1] = 0;
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }

  /** Two zero blocks end the archive; the stream underneath stays open. */
  @Override
  public void close() throws IOException {
    out.write(new byte[2 * BLOCK]);
    out.flush();
  }
}
