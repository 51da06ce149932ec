package io.ckpt.forensics.alerts;

/**
 * A Falco rule name pattern: {@code *} matches any run of characters, {@code ?} one character, anything
 * else itself; the whole name must match. Matched without regular expressions, in time linear in the
 * product of both lengths at worst, so no pattern or rule name can make it slow.
 */
final class RuleGlob {

  private RuleGlob() {
  }

  static boolean matches(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int resume = 0;
    while (t < text.length()) {
      if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
