package io.ckpt.forensics.analysis;

/**
 * The characters of archive text (process names, paths) that must never reach a terminal as they
 * are: C0 and C1 controls, DEL, and the bidirectional formatting characters, which could move the
 * cursor, recolour or clear a terminal, or reorder what a person reads. fcp escapes them when it
 * prints; the collector escapes them before the summary goes into status, which
 * {@code kubectl describe} prints.
 */
public final class UnsafeCharacters {

  private UnsafeCharacters() {}

  /** Whether a character is shown escaped. */
  public static boolean isUnsafe(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
        || c == 0x200e || c == 0x200f || c == 0x061c;
  }

  /**
   * The text with every unsafe character as {@code \xNN} (below U+0100) or {@code \}{@code uNNNN};
   * the same instance when there is none (the common case). For reading, not reversible.
   */
  public static String escape(String s) {
    int i = 0;
    while (i < s.length() && !isUnsafe(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isUnsafe(c)) {
        sb.append(c);
      } else if (c < 0x100) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb.toString();
  }
}
