package io.ckpt.forensics.plugin;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A duration written as kubectl's --timeout takes it: 90s, 5m, 1h30m, 2h; a bare number is seconds. */
final class DurationOption implements ITypeConverter<Duration> {

  private static final Pattern PART = Pattern.compile("(\\d+)(h|m|s)");

  @Override
  public Duration convert(String value) {
    String text = value.strip();
    if (text.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    Matcher part = PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (part.find() && part.start() == end) {
      long n = Long.parseLong(part.group(1));
      total = total.plus(switch (part.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      });
      end = part.end();
    }
    if (end == 0 || end != text.length()) {
      throw new TypeConversionException("'" + value + "' is not a duration: write it like 90s, 5m or 1h30m");
    }
    return total;
  }
}
