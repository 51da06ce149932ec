package io.ckpt.forensics.operator;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Operator settings, read from environment variables (the Helm chart sets them from values). A bad
 * value stops the operator at start with a message naming the variable, never later.
 *
 * @param watchNamespaces empty means every namespace
 */
public record OperatorConfig(Set<String> watchNamespaces, int maxConcurrentPerNode, int maxConcurrent,
    int defaultTimeoutSeconds, LogFormat logFormat, int healthPort) {

  /** How log lines are written. */
  public enum LogFormat {
    text, json
  }

  public static final String WATCH_NAMESPACES = "FCP_WATCH_NAMESPACES";
  public static final String MAX_CONCURRENT_PER_NODE = "FCP_MAX_CONCURRENT_PER_NODE";
  public static final String MAX_CONCURRENT = "FCP_MAX_CONCURRENT";
  public static final String DEFAULT_TIMEOUT_SECONDS = "FCP_DEFAULT_TIMEOUT_SECONDS";
  public static final String LOG_FORMAT = "FCP_LOG_FORMAT";
  public static final String HEALTH_PORT = "FCP_HEALTH_PORT";

  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    Set<String> namespaces = new LinkedHashSet<>();
    Arrays.stream(env.getOrDefault(WATCH_NAMESPACES, "").split(","))
        .map(String::strip).filter(s -> !s.isEmpty()).forEach(ns -> {
          if (!NAMESPACE.matcher(ns).matches() || ns.length() > 63) {
            throw new IllegalArgumentException(WATCH_NAMESPACES + ": '" + ns + "' is not a namespace name;"
                + " give a comma-separated list of namespaces, or leave it empty to watch all");
          }
          namespaces.add(ns);
        });
    return new OperatorConfig(Set.copyOf(namespaces),
        integer(env, MAX_CONCURRENT_PER_NODE, 1, 1, 100),
        integer(env, MAX_CONCURRENT, 10, 1, 1000),
        integer(env, DEFAULT_TIMEOUT_SECONDS, 300, 1, 3600),
        logFormat(env.getOrDefault(LOG_FORMAT, "text")),
        integer(env, HEALTH_PORT, 8080, 0, 65535));
  }

  private static int integer(Map<String, String> env, String name, int fallback, int min, int max) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.strip());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new IllegalArgumentException(name + ": '" + raw + "' is not a whole number from " + min + " to " + max
        + " (default " + fallback + ")");
  }

  private static LogFormat logFormat(String raw) {
    try {
      return LogFormat.valueOf(raw.strip().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(LOG_FORMAT + ": '" + raw + "' is not a log format; use text or json");
    }
  }
}
