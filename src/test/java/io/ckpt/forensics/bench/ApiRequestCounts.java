package io.ckpt.forensics.bench;

import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Requests to the API server counted by kind: from its {@code apiserver_request_total} counter
 * ({@link #parse}: verb, resource and subresource, every client together: operator, bench, simulated
 * kubelets; two samples give the requests a scenario cost), or one client's from the audit log
 * ({@link AuditLog}).
 */
record ApiRequestCounts(Map<String, Double> byKind) {

  private static final Pattern LINE = Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)\\} ([0-9.eE+-]+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  static ApiRequestCounts parse(String metrics) {
    Map<String, Double> counts = new TreeMap<>();
    Matcher line = LINE.matcher(metrics);
    while (line.find()) {
      Map<String, String> labels = new TreeMap<>();
      Matcher label = LABEL.matcher(line.group(1));
      while (label.find()) {
        labels.put(label.group(1), label.group(2));
      }
      String subresource = labels.getOrDefault("subresource", "");
      String kind = labels.getOrDefault("verb", "?") + " " + labels.getOrDefault("resource", "?")
          + (subresource.isEmpty() ? "" : "/" + subresource);
      counts.merge(kind, Double.parseDouble(line.group(2)), Double::sum);
    }
    return new ApiRequestCounts(counts);
  }

  ApiRequestCounts since(ApiRequestCounts before) {
    Map<String, Double> delta = new TreeMap<>();
    byKind.forEach((kind, n) -> {
      double d = n - before.byKind.getOrDefault(kind, 0.0);
      if (d > 0) {
        delta.put(kind, d);
      }
    });
    return new ApiRequestCounts(delta);
  }

  /** These requests and {@code other}'s together (e.g. every kubelet's). */
  ApiRequestCounts plus(ApiRequestCounts other) {
    Map<String, Double> sum = new TreeMap<>(byKind);
    other.byKind.forEach((kind, n) -> sum.merge(kind, n, Double::sum));
    return new ApiRequestCounts(sum);
  }

  /** Only the kinds {@code keep} accepts. */
  ApiRequestCounts only(Predicate<String> keep) {
    Map<String, Double> kept = new TreeMap<>();
    byKind.forEach((kind, n) -> {
      if (keep.test(kind)) {
        kept.put(kind, n);
      }
    });
    return new ApiRequestCounts(kept);
  }

  double total() {
    return byKind.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** The largest kinds per {@code objects}, e.g. "PATCH forensiccheckpoints/status 3.0, ...". */
  String perObject(int objects, int limit) {
    return byKind.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
        .limit(limit).map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / objects))
        .collect(Collectors.joining(", "));
  }
}
