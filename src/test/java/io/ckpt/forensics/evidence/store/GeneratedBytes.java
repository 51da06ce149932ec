package io.ckpt.forensics.evidence.store;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A deterministic stream of pseudo-random bytes (xorshift64*), generated as it is read: large test
 * archives without holding them in memory. The same seed and length give the same bytes.
 */
class GeneratedBytes extends InputStream {

  private final long length;
  private long state;
  private long position;
  private long word;

  GeneratedBytes(long seed, long length) {
    this.length = length;
    this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
  }

  /** The SHA-256 (hex) of the {@code length} bytes of {@code seed}, generated once more. */
  static String sha256(long seed, long length) throws IOException {
    MessageDigest digest = Sha256Tally.newDigest();
    try (InputStream in = new GeneratedBytes(seed, length)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) != -1; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public int read() {
    if (position >= length) {
      return -1;
    }
    return next() & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (position >= length) {
      return -1;
    }
    int n = (int) Math.min(len, length - position);
    for (int i = 0; i < n; i++) {
      b[off + i] = (byte) next();
    }
    return n;
  }

  private int next() {
    if ((position & 7) == 0) {
      state ^= state >>> 12;
      state ^= state << 25;
      state ^= state >>> 27;
      word = state * 0x2545F4914F6CDD1DL;
    }
    int value = (int) (word >>> ((position & 7) * 8));
    position++;
    return value;
  }
}
