package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * When a finished ForensicCheckpoint may be deleted, from its {@code spec.ttlSecondsAfterFinished}
 * (as for Jobs): counted from the latest of its completion and its archives' collection. Never while
 * an archive exists only on its node, since the object is then that archive's only record. Pure:
 * the reconciler deletes.
 */
final class RecordExpiry {

  /** What to do with a finished object. */
  sealed interface Decision {
    /** No TTL: kept until someone deletes it. */
    record Keep() implements Decision {
    }

    /** Deleted once {@code after} has passed. */
    record Wait(Duration after) implements Decision {
    }

    /** Deleted now. */
    record Delete() implements Decision {
    }

    /** The TTL is not honoured, and why. */
    record Refuse(String why) implements Decision {
    }
  }

  private RecordExpiry() {
  }

  static Decision decide(ForensicCheckpoint fcp, Instant now) {
    Integer ttl = fcp.getSpec().getTtlSecondsAfterFinished();
    if (ttl == null) {
      return new Decision.Keep();
    }
    var status = fcp.getStatus();
    // the earlier rounds of a series too: their archives may be on the node alone as well
    Stream<String> earlierRounds = status.getSeries() == null ? Stream.empty() : status.getSeries().getRounds()
        .stream().flatMap(r -> r.getContainers().stream().filter(c -> c.getPhase() == ContainerPhase.Succeeded
            && c.getEvidence() != EvidencePhase.Stored).map(c -> c.getName() + " (round " + r.getRound() + ")"));
    String onNode = Stream.concat(status.getContainers().stream().filter(c -> c.getPhase() == ContainerPhase.Succeeded)
        .filter(c -> c.getEvidence() == null || c.getEvidence().getPhase() != EvidencePhase.Stored)
        .map(ContainerCheckpointStatus::getName), earlierRounds).distinct().reduce((a, b) -> a + ", " + b)
        .orElse(null);
    if (onNode != null) {
      return new Decision.Refuse("spec.ttlSecondsAfterFinished is not honoured: the archives of " + onNode
          + " exist only on node " + status.getNodeName() + " and this object is their only record; it is kept"
          + " until deleted by hand (set up evidence custody to have archives stored)");
    }
    Instant finished = Stream.concat(Stream.of(status.getCompletionTime()), status.getContainers().stream()
            .filter(c -> c.getEvidence() != null).map(c -> c.getEvidence().getCollectedAt()))
        .filter(Objects::nonNull).map(RecordExpiry::instant).filter(Objects::nonNull).max(Instant::compareTo)
        .orElse(now);
    Duration left = Duration.between(now, finished.plusSeconds(ttl));
    return left.isNegative() || left.isZero() ? new Decision.Delete() : new Decision.Wait(left);
  }

  /** The time an RFC 3339 status field holds, or null if it is absent or unreadable. */
  static Instant instant(String rfc3339) {
    if (rfc3339 == null) {
      return null;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
