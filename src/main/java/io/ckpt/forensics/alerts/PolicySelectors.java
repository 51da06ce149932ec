package io.ckpt.forensics.alerts;

import io.ckpt.forensics.api.AlertmanagerSelector;
import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.FalcoPriority;
import io.ckpt.forensics.api.FalcoSelector;
import io.ckpt.forensics.api.LabelMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Whether a policy's alert selectors (falco, alertmanager) accept an alert's fields. The pod selector
 * needs the pod and is applied later ({@link PodSelectorMatch}).
 */
public final class PolicySelectors {

  /** Compiled =~ and !~ expressions; policies are few, but the map is bounded anyway. */
  private static final int MAX_PATTERNS = 1000;
  private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

  private PolicySelectors() {
  }

  public static boolean accepts(CheckpointPolicySpec spec, Alert alert) {
    return switch (alert.source()) {
      case falco -> spec.getFalco() != null && acceptsFalco(spec.getFalco(), alert);
      case alertmanager -> spec.getAlertmanager() != null && acceptsAlertmanager(spec.getAlertmanager(), alert);
    };
  }

  /**
   * What the API server's validation cannot check: the regular expressions' syntax, in Java's dialect.
   * Empty when the policy is usable; otherwise one message per problem, naming the field.
   */
  public static List<String> problems(CheckpointPolicySpec spec) {
    List<String> problems = new ArrayList<>();
    if (spec.getAlertmanager() != null && spec.getAlertmanager().getMatchers() != null) {
      List<LabelMatcher> matchers = spec.getAlertmanager().getMatchers();
      for (int i = 0; i < matchers.size(); i++) {
        LabelMatcher m = matchers.get(i);
        if (m.getOperator() != null && m.getOperator().endsWith("~")) {
          try {
            Pattern.compile(m.getValue());
          } catch (PatternSyntaxException e) {
            problems.add("spec.alertmanager.matchers[" + i + "].value is not a valid regular expression: "
                + e.getDescription());
          }
        }
      }
    }
    return problems;
  }

  private static boolean acceptsFalco(FalcoSelector s, Alert alert) {
    if (s.getRules() != null && s.getRules().stream().noneMatch(r -> RuleGlob.matches(r, alert.rule()))) {
      return false;
    }
    if (s.getMinimumPriority() != null) {
      Optional<FalcoPriority> p = FalcoPriority.parse(alert.priority());
      if (p.isEmpty() || p.get().compareTo(s.getMinimumPriority()) < 0) {
        return false;
      }
    }
    if (s.getTags() != null && !alert.tags().containsAll(s.getTags())) {
      return false;
    }
    if (s.getRequiredOutputFields() != null) {
      for (String f : s.getRequiredOutputFields()) {
        String v = alert.fields().get(f);
        if (v == null || v.isEmpty() || v.equals("<NA>")) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean acceptsAlertmanager(AlertmanagerSelector s, Alert alert) {
    if (s.getMatchers() == null) {
      return false;
    }
    for (LabelMatcher m : s.getMatchers()) {
      // Alertmanager treats a missing label as the empty string
      String v = alert.fields().getOrDefault(m.getName(), "");
      boolean ok = switch (m.getOperator()) {
        case "=" -> v.equals(m.getValue());
        case "!=" -> !v.equals(m.getValue());
        case "=~" -> pattern(m.getValue()).map(p -> p.matcher(v).matches()).orElse(false);
        case "!~" -> pattern(m.getValue()).map(p -> !p.matcher(v).matches()).orElse(false);
        default -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static Optional<Pattern> pattern(String regex) {
    Pattern p = PATTERNS.get(regex);
    if (p == null) {
      try {
        p = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        return Optional.empty(); // reported on the policy's Ready condition
      }
      if (PATTERNS.size() >= MAX_PATTERNS) {
        PATTERNS.clear();
      }
      PATTERNS.put(regex, p);
    }
    return Optional.of(p);
  }
}
