package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreStatus;
import io.ckpt.forensics.api.RestorePhase;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code restore --wait} prints of a CheckpointRestore: a line whenever its phase, pod or
 * message changes, and its end: Running (the sandbox pod runs: exit 0) or Failed (exit 1, with the
 * operator's reason). Pure, like {@link ProgressLines}; the texts are escaped.
 */
final class RestoreProgress {

  private RestoreProgress() {}

  static List<String> between(CheckpointRestoreStatus before, CheckpointRestoreStatus now) {
    List<String> lines = new ArrayList<>();
    if (now == null || now.getPhase() == null) {
      return lines;
    }
    boolean changed = before == null || before.getPhase() != now.getPhase()
        || !Objects.equals(before.getPodName(), now.getPodName()) || !Objects.equals(before.getMessage(), now.getMessage());
    if (changed) {
      lines.add("phase " + now.getPhase() + describe(now));
    }
    return lines;
  }

  static Optional<Outcome> outcome(CheckpointRestore restore) {
    CheckpointRestoreStatus status = restore.getStatus();
    if (status == null || status.getPhase() == null) {
      return Optional.empty();
    }
    if (status.getPhase() == RestorePhase.Running) {
      return Optional.of(new Outcome(PluginExitCode.OK, "Running: sandbox pod " + ProgressLines.safe(status.getPodName())
          + " on node " + ProgressLines.safe(status.getNodeName()) + "; watch it with kubectl get pod "
          + ProgressLines.safe(status.getPodName()) + " -n " + restore.getMetadata().getNamespace()));
    }
    if (status.getPhase() == RestorePhase.Failed) {
      return Optional.of(new Outcome(PluginExitCode.FAILED, "Failed: " + ProgressLines.safe(status.getMessage())));
    }
    return Optional.empty();
  }

  private static String describe(CheckpointRestoreStatus s) {
    StringBuilder text = new StringBuilder();
    if (s.getPodName() != null) {
      text.append(" pod ").append(ProgressLines.safe(s.getPodName()));
    }
    if (s.getNodeName() != null) {
      text.append(" on node ").append(ProgressLines.safe(s.getNodeName()));
    }
    if (s.getRuntime() != null) {
      text.append(" (runtime ").append(ProgressLines.safe(s.getRuntime())).append(")");
    }
    if (s.getMessage() != null) {
      text.append(": ").append(ProgressLines.safe(s.getMessage()));
    }
    return text.toString();
  }
}
