package io.ckpt.forensics.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.alerts.Alert.AlertSource;
import io.ckpt.forensics.api.AlertmanagerSelector;
import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.FalcoPriority;
import io.ckpt.forensics.api.FalcoSelector;
import io.ckpt.forensics.api.LabelMatcher;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicySelectorsTest {

  static Alert falco(String rule, String priority, List<String> tags, Map<String, String> fields) {
    return new Alert(AlertSource.falco, rule, priority, null, null, tags, fields, "dev", "p", null, null, true);
  }

  static Alert alertmanager(Map<String, String> labels) {
    return new Alert(AlertSource.alertmanager, labels.getOrDefault("alertname", ""), null, null, null, List.of(),
        labels, "dev", "p", null, null, true);
  }

  static CheckpointPolicySpec falcoPolicy(FalcoSelector s) {
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    spec.setFalco(s);
    return spec;
  }

  @ParameterizedTest
  @CsvSource({
      "Terminal shell in container, Terminal shell in container, true",
      "Terminal shell in container, Terminal shell in containe, false",
      "Write below *, Write below etc, true",
      "Write below *, Write below, false",
      "*shell*, Terminal shell in container, true",
      "Terminal ?hell in container, Terminal shell in container, true",
      "*, anything, true",
      "a*b*c, aXXbYYc, true",
      "a*b*c, aXXbYY, false"})
  void ruleNamesMatchExactlyOrByPattern(String pattern, String rule, boolean expected) {
    assertThat(RuleGlob.matches(pattern, rule)).isEqualTo(expected);
  }

  @Test
  void aPathologicalPatternStaysFast() {
    long start = System.nanoTime();
    assertThat(RuleGlob.matches("*a*a*a*a*a*a*a*a*b", "a".repeat(1000))).isFalse();
    assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
  }

  @Test
  void falcoSelectorsMustAllHold() {
    FalcoSelector s = new FalcoSelector();
    s.setRules(List.of("Terminal shell in container"));
    s.setMinimumPriority(FalcoPriority.Notice);
    s.setTags(List.of("shell"));
    s.setRequiredOutputFields(List.of("container.id"));
    CheckpointPolicySpec spec = falcoPolicy(s);
    Map<String, String> fields = Map.of("container.id", "0ec4e55bc819");
    List<String> tags = List.of("container", "shell");

    assertThat(PolicySelectors.accepts(spec, falco("Terminal shell in container", "Notice", tags, fields))).isTrue();
    assertThat(PolicySelectors.accepts(spec, falco("Terminal shell in container", "Critical", tags, fields))).isTrue();
    assertThat(PolicySelectors.accepts(spec, falco("Terminal shell in container", "Informational", tags, fields)))
        .as("below the minimum priority").isFalse();
    assertThat(PolicySelectors.accepts(spec, falco("Terminal shell in container", "nonsense", tags, fields)))
        .as("unknown priority").isFalse();
    assertThat(PolicySelectors.accepts(spec, falco("Terminal shell in container", "Notice", List.of("container"),
        fields))).as("missing tag").isFalse();
    assertThat(PolicySelectors.accepts(spec, falco("Terminal shell in container", "Notice", tags,
        Map.of("container.id", "<NA>")))).as("required field without a value").isFalse();
    assertThat(PolicySelectors.accepts(spec, falco("Other rule", "Notice", tags, fields))).isFalse();
    assertThat(PolicySelectors.accepts(spec, alertmanager(Map.of("alertname", "Terminal shell in container"))))
        .as("a Falco-only policy ignores Alertmanager alerts").isFalse();
  }

  @Test
  void alertmanagerMatchersWorkAsInAlertmanager() {
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    AlertmanagerSelector s = new AlertmanagerSelector();
    s.setMatchers(List.of(new LabelMatcher("alertname", "=", "CryptoMiner"),
        new LabelMatcher("severity", "=~", "critical|high"), new LabelMatcher("team", "!=", "test"),
        new LabelMatcher("env", "!~", "dev.*")));
    spec.setAlertmanager(s);

    assertThat(PolicySelectors.accepts(spec, alertmanager(Map.of("alertname", "CryptoMiner", "severity", "critical"))))
        .isTrue();
    assertThat(PolicySelectors.accepts(spec, alertmanager(Map.of("alertname", "CryptoMiner", "severity",
        "critical-ish")))).as("=~ is anchored").isFalse();
    assertThat(PolicySelectors.accepts(spec, alertmanager(Map.of("alertname", "CryptoMiner", "severity", "high",
        "team", "test")))).isFalse();
    assertThat(PolicySelectors.accepts(spec, alertmanager(Map.of("alertname", "CryptoMiner", "severity", "high",
        "env", "dev-1")))).isFalse();
    assertThat(PolicySelectors.accepts(spec, falco("CryptoMiner", "Critical", List.of(), Map.of()))).isFalse();
  }

  @Test
  void anInvalidRegularExpressionIsAProblemNamingTheField() {
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    AlertmanagerSelector s = new AlertmanagerSelector();
    s.setMatchers(List.of(new LabelMatcher("alertname", "=~", "(unclosed")));
    spec.setAlertmanager(s);
    assertThat(PolicySelectors.problems(spec)).singleElement().asString()
        .contains("spec.alertmanager.matchers[0].value");
    assertThat(PolicySelectors.accepts(spec, alertmanager(Map.of("alertname", "(unclosed")))).isFalse();
  }

  @Test
  void podSelectorsFollowLabelSelectorSemantics() {
    var selector = new LabelSelectorBuilder().addToMatchLabels("app", "web").addNewMatchExpression().withKey("tier")
        .withOperator("In").withValues("front", "edge").endMatchExpression().addNewMatchExpression()
        .withKey("debug").withOperator("DoesNotExist").endMatchExpression().build();
    assertThat(PodSelectorMatch.matches(selector, Map.of("app", "web", "tier", "edge"))).isTrue();
    assertThat(PodSelectorMatch.matches(selector, Map.of("app", "web", "tier", "back"))).isFalse();
    assertThat(PodSelectorMatch.matches(selector, Map.of("app", "web", "tier", "edge", "debug", "1"))).isFalse();
    assertThat(PodSelectorMatch.matches(selector, null)).isFalse();
    assertThat(PodSelectorMatch.matches(null, null)).isTrue();
  }
}
