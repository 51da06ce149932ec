package io.ckpt.forensics.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Sizes and durations formatted exactly as checkpointctl formats them, so outputs compare line by line. */
final class HumanUnits {

  private HumanUnits() {}

  /** 1024-based with one decimal: "160.0 KiB", "512 B". */
  static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    long div = 1024;
    int exp = 0;
    for (long n = b / 1024; n >= 1024; n /= 1024) {
      div *= 1024;
      exp++;
    }
    return String.format(Locale.ROOT, "%.1f %ciB", (double) b / div, "KMGTPE".charAt(exp));
  }

  /** "582 µs", "140.21 ms", "1.377 s": five significant digits, trailing zeros dropped. */
  static String micros(long us) {
    if (us < 1000) {
      return us + " µs";
    }
    double value = us < 1_000_000 ? us / 1000.0 : us / 1_000_000.0;
    String unit = us < 1_000_000 ? "ms" : "s";
    String s = new BigDecimal(value).round(new MathContext(5)).stripTrailingZeros().toPlainString();
    return s + " " + unit;
  }
}
