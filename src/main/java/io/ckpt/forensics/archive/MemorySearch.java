package io.ckpt.forensics.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a literal or a regular expression in a process's dumped memory, window by window (1 MiB
 * plus an overlap, read into one reused buffer), so memory use does not grow with the pages image.
 * Bytes map one to one to ISO-8859-1 characters, so match offsets are byte offsets. A literal
 * ({@link #literal}) is found with a Boyer-Moore-Horspool scan of the bytes; a regular expression
 * runs over a character view of the buffer (no copy per window). A match may be at most
 * {@link #MAX_MATCH} bytes long; matches do not span two pagemap entries (the areas are not
 * contiguous in the process either, in general).
 */
public final class MemorySearch {

  /** A hit: its address, the matched bytes with the requested context, and its 1-based number. */
  public record Hit(long address, String text, int instance) {
  }

  public static final int MAX_MATCH = 4096;
  private static final int WINDOW = 1024 * 1024;

  private final Pattern pattern;
  private final int context;
  private final long fromAddress;
  private final long toAddress;
  private final int maxHits;

  /**
   * @param pattern a compiled pattern (Pattern.quote the text for a literal search)
   * @param context bytes of context on each side
   * @param fromAddress first address to search (inclusive)
   * @param toAddress last address to search (exclusive); use -1 for no limit
   * @param maxHits stop after this many hits
   */
  public MemorySearch(Pattern pattern, int context, long fromAddress, long toAddress, int maxHits) {
    this.pattern = pattern;
    this.context = Math.max(0, Math.min(context, MAX_MATCH));
    this.fromAddress = fromAddress;
    this.toAddress = toAddress;
    this.maxHits = maxHits;
  }

  /** A literal, case-sensitive search. */
  public static Pattern literal(String text) {
    return Pattern.compile(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1),
        Pattern.LITERAL);
  }

  public List<Hit> search(ProcessMemory memory) throws IOException {
    List<Hit> hits = new ArrayList<>();
    int pageSize = memory.pageSize();
    byte[] buf = new byte[WINDOW + 2 * MAX_MATCH + 2 * context];
    Finder finder = (pattern.flags() & Pattern.LITERAL) != 0
        ? new LiteralFinder(pattern.pattern().getBytes(StandardCharsets.ISO_8859_1), buf)
        : new RegexFinder(pattern, buf);
    for (MemoryRun run : memory.runs()) {
      if (!run.inFile()) {
        continue;
      }
      long runStart = Math.max(run.vaddr(), fromAddress);
      long runEnd = toAddress < 0 ? run.end(pageSize) : Math.min(run.end(pageSize), toAddress);
      long lastHitEnd = Long.MIN_VALUE;
      for (long windowStart = runStart; windowStart < runEnd; windowStart += WINDOW) {
        // read [windowStart - context, windowStart + WINDOW + MAX_MATCH + context) clipped to the run
        long readStart = Math.max(runStart, windowStart - context);
        long readEnd = Math.min(runEnd, windowStart + WINDOW + MAX_MATCH + context);
        int len = (int) (readEnd - readStart);
        memory.read(readStart, buf, 0, len);
        finder.reset(len);
        int from = (int) (windowStart - readStart);
        int limit = (int) Math.min(len, windowStart + WINDOW - readStart);
        while (from <= limit && finder.find(from)) {
          if (finder.start() >= limit) {
            break;
          }
          long address = readStart + finder.start();
          if (address >= lastHitEnd && finder.end() > finder.start()) {
            int cs = Math.max(0, finder.start() - context);
            int ce = Math.min(len, finder.end() + context);
            hits.add(new Hit(address, printable(buf, cs, ce), hits.size() + 1));
            lastHitEnd = readStart + finder.end();
            if (hits.size() >= maxHits) {
              return hits;
            }
          }
          from = finder.end() > finder.start() ? finder.end() : finder.start() + 1;
        }
      }
    }
    return hits;
  }

  /** Finds matches in the first {@code len} bytes of the search buffer. */
  private interface Finder {
    void reset(int len);

    /** The next match starting at or after {@code from}; false if none. */
    boolean find(int from);

    int start();

    int end();
  }

  /** Boyer-Moore-Horspool over the bytes: no per-window allocation, skips by up to the needle's length. */
  private static final class LiteralFinder implements Finder {
    private final byte[] needle;
    private final byte[] buf;
    private final int[] shift = new int[256];
    private int len;
    private int start;

    LiteralFinder(byte[] needle, byte[] buf) {
      this.needle = needle;
      this.buf = buf;
      java.util.Arrays.fill(shift, Math.max(1, needle.length));
      for (int i = 0; i < needle.length - 1; i++) {
        shift[needle[i] & 0xff] = needle.length - 1 - i;
      }
    }

    @Override
    public void reset(int len) {
      this.len = len;
    }

    @Override
    public boolean find(int from) {
      int n = needle.length;
      if (n == 0) {
        start = from;
        return from <= len;
      }
      byte last = needle[n - 1];
      int i = from;
      int stop = len - n;
      while (i <= stop) {
        byte b = buf[i + n - 1];
        if (b == last) {
          int j = n - 2;
          while (j >= 0 && buf[i + j] == needle[j]) {
            j--;
          }
          if (j < 0) {
            start = i;
            return true;
          }
        }
        i += shift[b & 0xff];
      }
      return false;
    }

    @Override
    public int start() {
      return start;
    }

    @Override
    public int end() {
      return start + needle.length;
    }
  }

  /** A regular expression over a CharSequence view of the buffer (bytes as ISO-8859-1 characters). */
  private static final class RegexFinder implements Finder, CharSequence {
    private final byte[] buf;
    private final Matcher matcher;
    private int len;

    RegexFinder(Pattern pattern, byte[] buf) {
      this.buf = buf;
      this.matcher = pattern.matcher("");
    }

    @Override
    public void reset(int len) {
      this.len = len;
      matcher.reset(this);
    }

    @Override
    public boolean find(int from) {
      return matcher.find(from);
    }

    @Override
    public int start() {
      return matcher.start();
    }

    @Override
    public int end() {
      return matcher.end();
    }

    @Override
    public int length() {
      return len;
    }

    @Override
    public char charAt(int index) {
      if (index < 0 || index >= len) {
        throw new IndexOutOfBoundsException(index);
      }
      return (char) (buf[index] & 0xff);
    }

    @Override
    public CharSequence subSequence(int from, int to) {
      return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
      return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
    }
  }

  private static String printable(byte[] b, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      int c = b[i] & 0xff;
      sb.append(c >= 32 && c < 127 ? (char) c : '.');
    }
    return sb.toString();
  }
}
