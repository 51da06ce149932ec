package io.ckpt.forensics.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a literal or a regular expression in a process's dumped memory, window by window (64 KiB
 * plus an overlap), so memory use does not grow with the pages image. Bytes map one to one to
 * ISO-8859-1 characters, so match offsets are byte offsets. A match may be at most
 * {@link #MAX_MATCH} bytes long; matches do not span two pagemap entries (the areas are not
 * contiguous in the process either, in general).
 */
public final class MemorySearch {

  /** A hit: its address, the matched bytes with the requested context, and its 1-based number. */
  public record Hit(long address, String text, int instance) {
  }

  public static final int MAX_MATCH = 4096;
  private static final int WINDOW = 64 * 1024;

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
    return Pattern.compile(Pattern.quote(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
  }

  public List<Hit> search(ProcessMemory memory) throws IOException {
    List<Hit> hits = new ArrayList<>();
    int pageSize = memory.pageSize();
    byte[] buf = new byte[WINDOW + 2 * MAX_MATCH + 2 * context];
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
        String text = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
        Matcher m = pattern.matcher(text);
        int from = (int) (windowStart - readStart);
        int limit = (int) Math.min(len, windowStart + WINDOW - readStart);
        while (from <= limit && m.find(from)) {
          if (m.start() >= limit) {
            break;
          }
          long address = readStart + m.start();
          if (address >= lastHitEnd && m.end() > m.start()) {
            int cs = Math.max(0, m.start() - context);
            int ce = Math.min(len, m.end() + context);
            hits.add(new Hit(address, printable(buf, cs, ce), hits.size() + 1));
            lastHitEnd = readStart + m.end();
            if (hits.size() >= maxHits) {
              return hits;
            }
          }
          from = m.end() > m.start() ? m.end() : m.start() + 1;
        }
      }
    }
    return hits;
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
