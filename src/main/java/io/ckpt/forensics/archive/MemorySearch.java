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
 * {@link #MAX_MATCH} bytes long (a longer regex match is shown cut to that length); matches do not
 * span two pagemap entries (the areas are not contiguous in the process either, in general).
 *
 * <p>The memory is the attacker's: a regular expression with nested quantifiers can backtrack for
 * hours on crafted bytes, so the regex reads the buffer through a view whose {@code charAt} checks
 * a deadline (the search then stops with the hits found so far, {@link #stopReason()} says why),
 * and the text of all hits together is capped, so neither time nor memory grows without bound.
 */
public final class MemorySearch {

  /** A hit: its address, the matched bytes with the requested context, and its 1-based number. */
  public record Hit(long address, String text, int instance) {
  }

  public static final int MAX_MATCH = 4096;
  /** Default time budget of one search. */
  public static final long DEFAULT_BUDGET_MILLIS = 60_000;
  /** Default cap on the bytes of hit text (matches with their context) kept. */
  public static final long DEFAULT_MAX_HIT_BYTES = 16L << 20;
  private static final int WINDOW = 1024 * 1024;

  private final Pattern pattern;
  private final int context;
  private final long fromAddress;
  private final long toAddress;
  private final int maxHits;
  private final long budgetNanos;
  private final long maxHitBytes;
  private String stopReason = "";

  /**
   * @param pattern a compiled pattern (Pattern.quote the text for a literal search)
   * @param context bytes of context on each side
   * @param fromAddress first address to search (inclusive)
   * @param toAddress last address to search (exclusive); use -1 for no limit
   * @param maxHits stop after this many hits
   */
  public MemorySearch(Pattern pattern, int context, long fromAddress, long toAddress, int maxHits) {
    this(pattern, context, fromAddress, toAddress, maxHits, DEFAULT_BUDGET_MILLIS, DEFAULT_MAX_HIT_BYTES);
  }

  /**
   * As {@link #MemorySearch(Pattern, int, long, long, int)}, with the time budget (milliseconds)
   * and the cap on the total bytes of hit text.
   */
  public MemorySearch(Pattern pattern, int context, long fromAddress, long toAddress, int maxHits, long budgetMillis,
      long maxHitBytes) {
    if (budgetMillis <= 0 || maxHitBytes <= 0) {
      throw new IllegalArgumentException("search budget and hit-byte cap must be positive");
    }
    this.budgetNanos = budgetMillis * 1_000_000L;
    this.maxHitBytes = maxHitBytes;
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

  /**
   * Why the last {@link #search} stopped before the end of the memory: the time budget or the
   * hit-text cap; empty when it searched everything (or stopped at {@code maxHits}, as asked).
   */
  public String stopReason() {
    return stopReason;
  }

  public List<Hit> search(ProcessMemory memory) throws IOException {
    List<Hit> hits = new ArrayList<>();
    stopReason = "";
    long deadline = System.nanoTime() + budgetNanos;
    long hitBytes = 0;
    int pageSize = memory.pageSize();
    byte[] buf = new byte[WINDOW + 2 * MAX_MATCH + 2 * context];
    Finder finder = (pattern.flags() & Pattern.LITERAL) != 0
        ? new LiteralFinder(pattern.pattern().getBytes(StandardCharsets.ISO_8859_1), buf)
        : new RegexFinder(pattern, buf, deadline);
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
        while (from <= limit) {
          boolean found;
          try {
            found = finder.find(from);
          } catch (OutOfTime e) {
            stopReason = "the time budget of " + budgetNanos / 1_000_000 + " ms";
            return hits;
          } catch (StackOverflowError e) {
            // java.util.regex recurses per repetition of a group: a long run of matching bytes
            // under (a|b)* exhausts the stack
            stopReason = "a regular expression that recursed too deeply on this memory";
            return hits;
          }
          if (!found) {
            break;
          }
          if (System.nanoTime() - deadline > 0) {
            stopReason = "the time budget of " + budgetNanos / 1_000_000 + " ms";
            return hits;
          }
          if (finder.start() >= limit) {
            break;
          }
          long address = readStart + finder.start();
          if (address >= lastHitEnd && finder.end() > finder.start()) {
            int cs = Math.max(0, finder.start() - context);
            int ce = Math.min(len, Math.min(finder.end(), finder.start() + MAX_MATCH) + context);
            if (hitBytes + (ce - cs) > maxHitBytes) {
              stopReason = "the cap of " + maxHitBytes + " bytes of hit text";
              return hits;
            }
            hitBytes += ce - cs;
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

  /** Thrown from inside the matcher when the search's deadline has passed. */
  private static final class OutOfTime extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OutOfTime() {
      super("search time budget exceeded", null, false, false);
    }
  }

  /**
   * A regular expression over a CharSequence view of the buffer (bytes as ISO-8859-1 characters).
   * Every 4096th {@code charAt} checks the deadline: backtracking reads characters, so a runaway
   * expression is stopped within microseconds of it.
   */
  private static final class RegexFinder implements Finder, CharSequence {
    private final byte[] buf;
    private final Matcher matcher;
    private final long deadline;
    private int len;
    private int reads;

    RegexFinder(Pattern pattern, byte[] buf, long deadline) {
      this.buf = buf;
      this.matcher = pattern.matcher("");
      this.deadline = deadline;
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
      if ((++reads & 0xfff) == 0 && System.nanoTime() - deadline > 0) {
        throw new OutOfTime();
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
