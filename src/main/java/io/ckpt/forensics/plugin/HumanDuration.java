package io.ckpt.forensics.plugin;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Durations and ages as kubectl prints them: 45s, 12m, 3h, 5d; the largest unit only, enough to read a table. */
final class HumanDuration {

  private HumanDuration() {}

  static String of(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 120 * 60) {
      return s / 60 + "m";
    }
    if (s < 48 * 3600) {
      return s / 3600 + "h";
    }
    return s / 86400 + "d";
  }

  /** The age of an RFC 3339 timestamp at {@code now}; {@code <unknown>} (as kubectl) when absent or unreadable. */
  static String age(String timestamp, Instant now) {
    if (timestamp == null) {
      return "<unknown>";
    }
    try {
      return of(Duration.between(Instant.parse(timestamp), now));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }
}
