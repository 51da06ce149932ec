package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.Condition;

/**
 * Decides whether to contain the pod of a finished ForensicCheckpoint (issue 15): only when its
 * CheckpointPolicy asks, the operator allows it (the chart's alerts.containment.enabled), evidence
 * custody is on, the checkpoint Succeeded and every container's archive is stored and verified
 * (EvidenceStored True). Evidence first, then contain. The decision is recorded once in
 * status.containment; an object that has one is never decided again. Pure: no API calls.
 */
final class ContainmentPlanner {

  /** What to do with one object. */
  sealed interface Decision {
    /** Nothing now: not asked, already decided, or the evidence is not settled yet. */
    record Nothing() implements Decision {
    }

    /** Record that it will not be contained, and why. */
    record Refuse(String why) implements Decision {
    }

    /** Label the pod and ensure the NetworkPolicy. */
    record Contain() implements Decision {
    }
  }

  static final Decision NOTHING = new Decision.Nothing();

  private ContainmentPlanner() {
  }

  /**
   * @param policyAsks the object's CheckpointPolicy has spec.containment.enabled
   * @param operatorAllows the operator runs with containment enabled (and so has the rights)
   * @param custody evidence collection is on
   */
  static Decision decide(ForensicCheckpoint fcp, boolean policyAsks, boolean operatorAllows, boolean custody) {
    ForensicCheckpointStatus status = fcp.getStatus();
    if (!policyAsks || status == null || status.getContainment() != null || status.getPhase() == null
        || !status.getPhase().isTerminal()) {
      return NOTHING;
    }
    if (!operatorAllows) {
      return new Decision.Refuse("not contained: the policy asks for containment but the operator runs without it"
          + " (set the chart's alerts.containment.enabled=true, which grants the rights it needs)");
    }
    if (!custody) {
      return new Decision.Refuse("not contained because evidence is not in custody: evidence collection is off"
          + " (the chart's evidence values); containment waits for stored, verified evidence");
    }
    if (status.getPhase() != CheckpointPhase.Succeeded) {
      return new Decision.Refuse("not contained: the checkpoint ended " + status.getPhase()
          + ", and only a pod whose every selected container was checkpointed and stored is contained");
    }
    Condition stored = Conditions.find(status.getConditions(), Conditions.EVIDENCE_STORED);
    if (stored == null || Conditions.REASON_COLLECTING.equals(stored.getReason())) {
      return NOTHING; // custody still runs: the object is not done yet
    }
    boolean everyArchiveStored = !status.getContainers().isEmpty() && status.getContainers().stream()
        .allMatch(ContainmentPlanner::storedAndVerified);
    if (!"True".equals(stored.getStatus()) || !everyArchiveStored) {
      return new Decision.Refuse("not contained because the evidence is not safe: " + stored.getMessage());
    }
    return new Decision.Contain();
  }

  /**
   * Stored, with the digest of the stored bytes as read back from the store; unencrypted, that digest
   * must be the archive's own (sha256, as read from the node).
   */
  private static boolean storedAndVerified(ContainerCheckpointStatus c) {
    var e = c.getEvidence();
    return e != null && e.getPhase() == EvidencePhase.Stored && e.getSha256() != null && e.getStoredSha256() != null
        && (Boolean.TRUE.equals(e.getEncrypted()) || e.getSha256().equals(e.getStoredSha256()));
  }
}
