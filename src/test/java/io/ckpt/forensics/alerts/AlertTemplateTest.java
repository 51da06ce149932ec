package io.ckpt.forensics.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertTemplateTest {

  @Test
  void fillsPlaceholdersAndCleansAlertText() {
    String reason = AlertTemplate.reason(CheckpointPolicySpec.DEFAULT_REASON_TEMPLATE, Map.of("source", "falco",
        "rule", "Terminal shell\nin container\u001b[31m", "priority", "Notice", "time", "2022-08-20T13:04:52Z",
        "output", "A shell \u202ewas spawned"));
    assertThat(reason).isEqualTo("falco alert Terminal shell in container [31m (Notice) at 2022-08-20T13:04:52Z:"
        + " A shell  was spawned");
    assertThat(reason).doesNotContainPattern(ForensicCheckpointSpec.UNPRINTABLE.replace("\\x{", "\\x{"));
    assertThat(AlertTemplate.reason("{output}", Map.of("output", "x".repeat(5000)))).hasSize(1024);
  }

  @Test
  void aCaseIdKeepsOnlyWhatItsPatternAllows() {
    assertThat(AlertTemplate.caseId("ALERT-{pod}-{rule}", Map.of("pod", "nettools", "rule", "Terminal shell")))
        .isEqualTo("ALERT-nettools-Terminal-shell").matches(ForensicCheckpointSpec.CASE_ID_PATTERN);
    assertThat(AlertTemplate.caseId("{rule}", Map.of("rule", "  ..$$"))).isNull();
    assertThat(AlertTemplate.caseId("{output}", Map.of("output", "y".repeat(500)))).hasSize(128);
  }

  @Test
  void replacementTextIsNotInterpreted() {
    assertThat(AlertTemplate.fill("{rule}", Map.of("rule", "$1 \\ {pod}"))).isEqualTo("$1 \\ {pod}");
  }
}
