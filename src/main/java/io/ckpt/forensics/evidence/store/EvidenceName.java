package io.ckpt.forensics.evidence.store;

import java.util.regex.Pattern;

/**
 * The names a destination accepts: relative, {@code /}-separated parts of letters, digits,
 * {@code .}, {@code _} and {@code -}, none of them {@code .} or {@code ..} or starting with a dot
 * (hidden names are the filesystem destination's temporary files), at most 1024 characters. The
 * same name is then a safe S3 key and a safe relative path.
 */
public final class EvidenceName {

  private static final int MAX_LENGTH = 1024;
  private static final int MAX_PART = 255;
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

  private EvidenceName() {
  }

  /** Returns {@code name} when allowed; else throws with what is wrong and what is allowed. */
  public static String require(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("evidence name is empty" + RULE);
    }
    if (name.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("evidence name is " + name.length() + " characters long, at most "
          + MAX_LENGTH + " are allowed");
    }
    for (String part : name.split("/", -1)) {
      if (part.length() > MAX_PART || !PART.matcher(part).matches()) {
        throw new IllegalArgumentException("evidence name '" + printable(name) + "' has a part '" + printable(part)
            + "' that is not allowed" + RULE);
      }
    }
    return name;
  }

  private static final String RULE = " (use '/'-separated parts of letters, digits, '.', '_' and '-', each 1 to "
      + MAX_PART + " characters, none empty, '.', '..' or starting with '.')";

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(120).forEach(c -> {
      if (c >= 0x20 && c < 0x7f) {
        out.appendCodePoint(c);
      } else {
        out.append(String.format("\\u%04x", c));
      }
    });
    return out.toString();
  }
}
