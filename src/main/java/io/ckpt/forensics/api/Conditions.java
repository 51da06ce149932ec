package io.ckpt.forensics.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Sets metav1.Condition entries the way kubectl wait and controllers expect: one entry per type,
 * lastTransitionTime kept while the status does not change.
 */
public final class Conditions {

  public static final String READY = "Ready";
  public static final String FAILED = "Failed";

  public static final String REASON_PENDING = "Pending";
  public static final String REASON_IN_PROGRESS = "CheckpointInProgress";
  public static final String REASON_COMPLETED = "CheckpointCompleted";
  public static final String REASON_FAILED = "CheckpointFailed";
  public static final String REASON_NOT_FAILED = "NoFailure";
  /** Set once archives are taken into custody: True when every checkpointed container's archive is stored. */
  public static final String EVIDENCE_STORED = "EvidenceStored";
  public static final String REASON_COLLECTING = "Collecting";
  public static final String REASON_STORED = "Stored";
  public static final String REASON_NOT_STORED = "CollectionFailed";
  /** Every container's evidence is stored, and for some it is a fallback bundle, since their checkpoint failed. */
  public static final String REASON_FALLBACK_STORED = "FallbackBundleStored";

  private Conditions() {
  }

  /** Replaces or adds the condition of this type; returns true if anything changed. */
  public static boolean set(List<Condition> conditions, String type, boolean status, String reason,
      String message, Long generation, Clock clock) {
    String statusText = status ? "True" : "False";
    Condition existing = find(conditions, type);
    if (existing != null && statusText.equals(existing.getStatus())
        && Objects.equals(reason, existing.getReason()) && Objects.equals(message, existing.getMessage())
        && Objects.equals(generation, existing.getObservedGeneration())) {
      return false;
    }
    String transition = existing != null && statusText.equals(existing.getStatus())
        ? existing.getLastTransitionTime()
        : rfc3339(clock);
    Condition updated = new ConditionBuilder().withType(type).withStatus(statusText).withReason(reason)
        .withMessage(message).withObservedGeneration(generation).withLastTransitionTime(transition).build();
    if (existing != null) {
      conditions.set(conditions.indexOf(existing), updated);
    } else {
      conditions.add(updated);
    }
    return true;
  }

  public static Condition find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** RFC 3339 at second precision, as Kubernetes writes metav1.Time. */
  public static String rfc3339(Clock clock) {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
