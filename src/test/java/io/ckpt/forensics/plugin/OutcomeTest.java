package io.ckpt.forensics.plugin;

import static io.ckpt.forensics.plugin.PluginStatuses.custody;
import static io.ckpt.forensics.plugin.PluginStatuses.failed;
import static io.ckpt.forensics.plugin.PluginStatuses.fcp;
import static io.ckpt.forensics.plugin.PluginStatuses.running;
import static io.ckpt.forensics.plugin.PluginStatuses.status;
import static io.ckpt.forensics.plugin.PluginStatuses.succeeded;
import static io.ckpt.forensics.plugin.PluginStatuses.withEvidence;
import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.EvidencePhase;
import org.junit.jupiter.api.Test;

class OutcomeTest {

  @Test
  void aCheckpointStillRunningHasNoOutcome() {
    assertThat(Outcome.of(fcp("x", null))).isEmpty();
    assertThat(Outcome.of(fcp("x", status(null)))).isEmpty();
    assertThat(Outcome.of(fcp("x", status(CheckpointPhase.Running, running("app"))))).isEmpty();
  }

  @Test
  void withoutCustodyASucceededPhaseIsTheEnd() {
    var outcome = Outcome.of(fcp("x", status(CheckpointPhase.Succeeded, succeeded("app"))));

    assertThat(outcome).hasValueSatisfying(o -> {
      assertThat(o.exitCode()).isEqualTo(PluginExitCode.OK);
      assertThat(o.line()).isEqualTo("Succeeded: 1/1 containers checkpointed");
    });
  }

  /** The operator writes Succeeded and EvidenceStored=Collecting together; the collector finishes later. */
  @Test
  void aSucceededPhaseWhoseEvidenceIsStillCollectingIsNotTheEnd() {
    var collecting = custody(status(CheckpointPhase.Succeeded, withEvidence(succeeded("app"), EvidencePhase.Collecting)),
        false, Conditions.REASON_COLLECTING);

    assertThat(Outcome.of(fcp("x", collecting))).isEmpty();
  }

  @Test
  void storedEvidenceEndsWithZero() {
    var stored = custody(status(CheckpointPhase.Succeeded, withEvidence(succeeded("app"), EvidencePhase.Stored)),
        true, Conditions.REASON_STORED);

    assertThat(Outcome.of(fcp("x", stored))).hasValueSatisfying(o -> {
      assertThat(o.exitCode()).isEqualTo(PluginExitCode.OK);
      assertThat(o.line()).startsWith("Succeeded, evidence stored: ");
    });
  }

  @Test
  void evidenceThatWasNotStoredFailsThoughTheCheckpointSucceeded() {
    var notStored = custody(status(CheckpointPhase.Succeeded, withEvidence(succeeded("app"), EvidencePhase.Failed)),
        false, Conditions.REASON_NOT_STORED);

    assertThat(Outcome.of(fcp("x", notStored))).hasValueSatisfying(o -> {
      assertThat(o.exitCode()).isEqualTo(PluginExitCode.FAILED);
      assertThat(o.line()).startsWith("Succeeded, evidence NOT stored (CollectionFailed): ");
    });
  }

  @Test
  void failedAndPartialCheckpointsFail() {
    assertThat(Outcome.of(fcp("x", status(CheckpointPhase.Failed, failed("app", "criu failed")))))
        .hasValueSatisfying(o -> assertThat(o.exitCode()).isEqualTo(PluginExitCode.FAILED));
    assertThat(Outcome.of(fcp("x", status(CheckpointPhase.PartiallySucceeded, succeeded("a"), failed("b", "x")))))
        .hasValueSatisfying(o -> assertThat(o.exitCode()).isEqualTo(PluginExitCode.FAILED));
  }
}
