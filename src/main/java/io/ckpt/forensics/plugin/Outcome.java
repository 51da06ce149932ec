package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.Optional;

/**
 * The end of a ForensicCheckpoint as {@code take --wait} reports it, or none while it goes on. The
 * phase turns terminal when the kubelet calls ended; with custody configured the operator writes the
 * EvidenceStored condition (reason Collecting) in that same status write, and the collectors finish
 * later. So a checkpoint is over for the user when its phase is terminal and EvidenceStored is absent
 * (no custody) or no longer Collecting. Exit code 0 only when it Succeeded and, with custody, every
 * archive is stored: a checkpoint whose evidence could not be stored still needs a person.
 */
record Outcome(int exitCode, String line) {

  static Optional<Outcome> of(ForensicCheckpoint fcp) {
    ForensicCheckpointStatus status = fcp.getStatus();
    if (status == null || status.getPhase() == null || !status.getPhase().isTerminal()) {
      return Optional.empty();
    }
    Condition custody = Conditions.find(status.getConditions(), Conditions.EVIDENCE_STORED);
    if (custody != null && Conditions.REASON_COLLECTING.equals(custody.getReason())) {
      return Optional.empty();
    }
    boolean stored = custody == null || "True".equals(custody.getStatus());
    boolean ok = status.getPhase() == CheckpointPhase.Succeeded && stored;
    String line = status.getPhase() + (custody == null ? "" : ", evidence " + (stored ? "stored" : "NOT stored ("
        + custody.getReason() + ")")) + ": " + ProgressLines.safe(status.getMessage());
    return Optional.of(new Outcome(ok ? PluginExitCode.OK : PluginExitCode.FAILED, line));
  }
}
