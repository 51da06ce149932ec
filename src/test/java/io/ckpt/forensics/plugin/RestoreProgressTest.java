package io.ckpt.forensics.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreStatus;
import io.ckpt.forensics.api.RestorePhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {

  private static CheckpointRestoreStatus status(RestorePhase phase, String pod, String message) {
    CheckpointRestoreStatus s = new CheckpointRestoreStatus();
    s.setPhase(phase);
    s.setPodName(pod);
    s.setNodeName(pod == null ? null : "worker-2");
    s.setMessage(message);
    return s;
  }

  private static CheckpointRestore restore(CheckpointRestoreStatus status) {
    CheckpointRestore r = new CheckpointRestore();
    r.setMetadata(new ObjectMetaBuilder().withName("web-restore-abcde").withNamespace("dev").build());
    r.setStatus(status);
    return r;
  }

  @Test
  void aLineWhenPhasePodOrMessageChange() {
    var pending = status(RestorePhase.Pending, null, "checking node worker-2");
    var creating = status(RestorePhase.Creating, "fcr-web-abcde", "pulling the checkpoint image");

    assertThat(RestoreProgress.between(null, pending)).containsExactly("phase Pending: checking node worker-2");
    assertThat(RestoreProgress.between(pending, creating)).containsExactly(
        "phase Creating pod fcr-web-abcde on node worker-2: pulling the checkpoint image");
    assertThat(RestoreProgress.between(creating, creating)).isEmpty();
    assertThat(RestoreProgress.outcome(restore(creating))).isEmpty();
  }

  @Test
  void runningEndsWithZeroAndFailedWithTheReason() {
    assertThat(RestoreProgress.outcome(restore(status(RestorePhase.Running, "fcr-web-abcde", null))))
        .hasValueSatisfying(o -> {
          assertThat(o.exitCode()).isEqualTo(PluginExitCode.OK);
          assertThat(o.line()).isEqualTo("Running: sandbox pod fcr-web-abcde on node worker-2; watch it with kubectl"
              + " get pod fcr-web-abcde -n dev");
        });
    assertThat(RestoreProgress.outcome(restore(status(RestorePhase.Failed, null, "RestoreDisabled: enable it\u001b[0m"))))
        .hasValueSatisfying(o -> {
          assertThat(o.exitCode()).isEqualTo(PluginExitCode.FAILED);
          assertThat(o.line()).isEqualTo("Failed: RestoreDisabled: enable it\\x1b[0m");
        });
  }
}
