package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Derives the object's phase, message and conditions from its containers, so that they can never
 * disagree with each other.
 */
final class CheckpointProgress {

  private CheckpointProgress() {
  }

  static void summarize(ForensicCheckpointStatus status, Long generation, Clock clock) {
    List<ContainerCheckpointStatus> containers = status.getContainers();
    long succeeded = count(containers, ContainerPhase.Succeeded);
    long failed = count(containers, ContainerPhase.Failed);
    long running = count(containers, ContainerPhase.Running);
    CheckpointPhase phase;
    if (status.getFailure() != null || !containers.isEmpty() && succeeded + failed == containers.size()) {
      phase = succeeded == containers.size() && status.getFailure() == null ? CheckpointPhase.Succeeded
          : succeeded > 0 ? CheckpointPhase.PartiallySucceeded : CheckpointPhase.Failed;
    } else if (running + succeeded + failed > 0) {
      phase = CheckpointPhase.Running;
    } else {
      phase = CheckpointPhase.Pending;
    }
    phase = SeriesRounds.phase(status, phase);
    status.setPhase(phase);
    status.setObservedGeneration(generation);
    String series = SeriesRounds.describe(status);
    status.setMessage((series == null ? "" : series + "; ") + message(status, phase, succeeded, failed));
    if (phase.isTerminal() && status.getCompletionTime() == null) {
      status.setCompletionTime(Conditions.rfc3339(clock));
    }
    var conditions = status.getConditions();
    switch (phase) {
      case Pending -> Conditions.set(conditions, Conditions.READY, false, Conditions.REASON_PENDING,
          status.getMessage(), generation, clock);
      case Running -> Conditions.set(conditions, Conditions.READY, false, Conditions.REASON_IN_PROGRESS,
          status.getMessage(), generation, clock);
      case Succeeded -> Conditions.set(conditions, Conditions.READY, true, Conditions.REASON_COMPLETED,
          status.getMessage(), generation, clock);
      case PartiallySucceeded, Failed -> Conditions.set(conditions, Conditions.READY, false,
          Conditions.REASON_FAILED, status.getMessage(), generation, clock);
    }
    boolean terminalFailure = phase == CheckpointPhase.Failed || phase == CheckpointPhase.PartiallySucceeded;
    Conditions.set(conditions, Conditions.FAILED, terminalFailure,
        terminalFailure ? Conditions.REASON_FAILED : Conditions.REASON_NOT_FAILED,
        terminalFailure ? status.getMessage() : "no container has failed so far", generation, clock);
    custody(status, generation, clock);
  }

  /**
   * The EvidenceStored condition, once any archive or fallback bundle is being taken into custody:
   * True when every checkpointed container's archive, and every fallback bundle of a container whose
   * checkpoint failed, is stored; reason FallbackBundleStored when some of it is a fallback bundle.
   * The checkpoint's own phase does not change with it, so a checkpoint that succeeded says so even
   * when custody did not, and one that failed stays failed when its fallback bundle is stored.
   */
  private static void custody(ForensicCheckpointStatus status, Long generation, Clock clock) {
    List<ContainerCheckpointStatus> archives = status.getContainers().stream()
        .filter(c -> c.getPhase() == ContainerPhase.Succeeded).toList();
    List<ContainerCheckpointStatus> bundles = status.getContainers().stream()
        .filter(c -> c.getPhase() == ContainerPhase.Failed && c.getEvidence() != null
            && Boolean.TRUE.equals(c.getEvidence().getFallbackBundle())).toList();
    if (bundles.isEmpty() && archives.stream().noneMatch(c -> c.getEvidence() != null)) {
      return;
    }
    List<ContainerCheckpointStatus> all = new java.util.ArrayList<>(archives);
    all.addAll(bundles);
    long stored = all.stream().filter(c -> c.getEvidence() != null
        && c.getEvidence().getPhase() == EvidencePhase.Stored).count();
    String failed = all.stream().filter(c -> c.getEvidence() != null
            && c.getEvidence().getPhase() == EvidencePhase.Failed)
        .map(c -> c.getName() + ": " + c.getEvidence().getFailure().getReason()).collect(Collectors.joining(", "));
    String bundlesSaid = bundles.isEmpty() ? "" : stored(bundles, "fallback bundles") + " (checkpoint failed: "
        + bundles.stream().map(c -> c.getName() + ": " + (c.getFailure() == null ? "?" : c.getFailure().getReason()))
            .collect(Collectors.joining(", ")) + ")";
    String summary = (archives.isEmpty() && !bundles.isEmpty() ? bundlesSaid : stored(archives, "archives")
        + (bundles.isEmpty() ? "" : ", " + bundlesSaid))
        + (failed.isEmpty() ? "" : ", not stored (" + failed + ")" + (archives.stream().anyMatch(c -> c.getEvidence()
        != null && c.getEvidence().getPhase() == EvidencePhase.Failed) ? "; those archives stay on node "
        + status.getNodeName() : ""));
    boolean collecting = all.stream().anyMatch(c -> c.getEvidence() == null
        || c.getEvidence().getPhase() == EvidencePhase.Collecting);
    String reason = collecting ? Conditions.REASON_COLLECTING : !failed.isEmpty() ? Conditions.REASON_NOT_STORED
        : bundles.isEmpty() ? Conditions.REASON_STORED : Conditions.REASON_FALLBACK_STORED;
    Conditions.set(status.getConditions(), Conditions.EVIDENCE_STORED, stored == all.size(), reason,
        summary, generation, clock);
    status.setMessage(status.getMessage() + "; " + summary);
  }

  private static String stored(List<ContainerCheckpointStatus> containers, String what) {
    return containers.stream().filter(c -> c.getEvidence() != null && c.getEvidence().getPhase()
        == EvidencePhase.Stored).count() + "/" + containers.size() + " " + what + " stored";
  }

  private static String message(ForensicCheckpointStatus status, CheckpointPhase phase, long succeeded,
      long failed) {
    if (status.getFailure() != null) {
      return status.getFailure().getReason() + ": " + status.getFailure().getMessage();
    }
    int total = status.getContainers().size();
    String failures = status.getContainers().stream()
        .filter(c -> c.getPhase() == ContainerPhase.Failed && c.getFailure() != null)
        .map(c -> c.getName() + ": " + c.getFailure().getReason())
        .collect(Collectors.joining(", "));
    String changed = status.getContainers().stream().filter(c -> c.getIdentityChange() != null)
        .map(ContainerCheckpointStatus::getName).collect(Collectors.joining(", "));
    String summary = succeeded + "/" + total + " containers checkpointed"
        + (failed > 0 ? ", " + failed + " failed (" + failures + ")" : "")
        + (changed.isEmpty() ? "" : "; identity not confirmed for " + changed + " (see identityChange)");
    return switch (phase) {
      case Pending -> "waiting for a free checkpoint slot on node " + status.getNodeName() + "; " + summary;
      case Running -> "checkpoint in progress on node " + status.getNodeName() + "; " + summary;
      default -> summary;
    };
  }

  private static long count(List<ContainerCheckpointStatus> containers, ContainerPhase phase) {
    return containers.stream().filter(c -> c.getPhase() == phase).count();
  }
}
