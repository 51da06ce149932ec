package io.ckpt.forensics.plugin;

import static io.ckpt.forensics.plugin.PluginStatuses.failed;
import static io.ckpt.forensics.plugin.PluginStatuses.running;
import static io.ckpt.forensics.plugin.PluginStatuses.status;
import static io.ckpt.forensics.plugin.PluginStatuses.succeeded;
import static io.ckpt.forensics.plugin.PluginStatuses.withEvidence;
import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.EvidencePhase;
import org.junit.jupiter.api.Test;

class ProgressLinesTest {

  @Test
  void eachStepOfEachContainerIsOneLine() {
    var started = status(CheckpointPhase.Running, running("app"), running("sidecar"));
    var checkpointed = status(CheckpointPhase.Running, withEvidence(succeeded("app"), EvidencePhase.Collecting),
        running("sidecar"));
    var stored = status(CheckpointPhase.PartiallySucceeded, withEvidence(succeeded("app"), EvidencePhase.Stored),
        failed("sidecar", "criu failed: type NOTIFY errno 0"));

    assertThat(ProgressLines.between(null, started)).containsExactly("phase Running (node node-1)",
        "  app: checkpointing", "  sidecar: checkpointing");
    assertThat(ProgressLines.between(started, checkpointed)).containsExactly(
        "  app: checkpointed in 41 ms: /var/lib/kubelet/checkpoints/checkpoint-nettools_dev-app-2026-12-02T09:00:00Z.tar",
        "  app: evidence collecting (collector pod forensic-evidence/fcp-collect-abc)");
    assertThat(ProgressLines.between(checkpointed, stored)).containsExactly("phase PartiallySucceeded (node node-1)",
        "  app: evidence stored at file:///evidence/dev/nettools.tar (sha256 " + "ab".repeat(32) + ", 4096 bytes)",
        "  sidecar: failed: CRIUFailed (HTTP 500): criu failed: type NOTIFY errno 0");
    assertThat(ProgressLines.between(stored, stored)).as("nothing changed").isEmpty();
  }

  @Test
  void aRetryAfterAnOperatorRestartIsShown() {
    var again = running("app");
    again.setAttempts(2);

    assertThat(ProgressLines.between(status(CheckpointPhase.Running, running("app")),
        status(CheckpointPhase.Running, again))).containsExactly("  app: checkpointing (attempt 2)");
  }

  @Test
  void evidenceThatWasNotStoredSaysWhy() {
    assertThat(ProgressLines.between(status(CheckpointPhase.Succeeded, withEvidence(succeeded("app"),
        EvidencePhase.Collecting)), status(CheckpointPhase.Succeeded, withEvidence(succeeded("app"),
        EvidencePhase.Failed)))).containsExactly("  app: evidence not stored: StoreRefused: the store refused the write");
  }

  /** The kubelet's text comes from a node that may be compromised: no terminal escapes reach the user. */
  @Test
  void textFromTheNodeIsEscaped() {
    var lines = ProgressLines.between(null, status(CheckpointPhase.Failed, failed("app", "boom\u001b[2J\nforged")));

    assertThat(lines).contains("  app: failed: CRIUFailed (HTTP 500): boom\\x1b[2J\\x0aforged");
  }
}
