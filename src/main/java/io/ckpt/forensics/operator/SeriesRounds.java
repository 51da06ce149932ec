package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.api.SeriesRound;
import io.ckpt.forensics.api.SeriesRoundContainer;
import io.ckpt.forensics.api.SeriesSpec;
import io.ckpt.forensics.api.SeriesStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The rounds of a series (spec.series, issue 12 §5), decided from status alone so that a restarted
 * operator continues where the last one stopped. The containers' entries always describe the
 * current round and go through the ordinary path (Running written before each kubelet call, custody
 * after it); once every container of a round is done, including its custody, one status write
 * records the round in {@code series.rounds} and resets the entries for the next one. Nothing
 * starts a round but that write, so no round is taken twice (beyond the ordinary retry after an
 * interrupted call, which status notes) and none is skipped: a late round starts as soon as the one
 * before it ended. Round k is due at the series' start plus (k-1) intervals, never counted from when
 * the round before it ended, so delays do not add up. Pure: no API calls.
 */
final class SeriesRounds {

  /**
   * Failures after which every later round would fail the same way: the series stops, and says why.
   * Any other failure (CRIU, a timeout, an unreachable node) may pass, so the next round is tried.
   */
  static final Set<FailureReason> TARGET_GONE = EnumSet.of(FailureReason.PodNotFound, FailureReason.PodReplaced,
      FailureReason.PodNotRunning, FailureReason.ContainerNotFound, FailureReason.ContainerNotRunning);

  /**
   * How long after a round's last recorded checkpoint the next may call the kubelet: checkpointedAt
   * has whole seconds and is written after the kubelet's answer, which came less than a second before
   * it; a call one gap ({@link ForensicCheckpointReconciler#SAME_CONTAINER_GAP}) after the answer
   * gets a later archive name. Holds across operator restarts, unlike the call tracker's gap.
   */
  static final Duration AFTER_LAST_CHECKPOINT = Duration.ofSeconds(1).plus(ForensicCheckpointReconciler.SAME_CONTAINER_GAP);

  private SeriesRounds() {
  }

  /** Starts the series in the object's first status: round 1, due at the status' start. */
  static void begin(ForensicCheckpoint fcp, ForensicCheckpointStatus status) {
    SeriesSpec spec = fcp.getSpec().getSeries();
    if (spec == null || status.getSeries() != null) {
      return;
    }
    SeriesStatus series = new SeriesStatus();
    series.setCount(spec.getCount());
    series.setRound(1);
    series.setProgress(1 + "/" + spec.getCount());
    series.setRoundDueAt(status.getStartTime());
    status.setSeries(series);
  }

  /** The current round (1 first), or null outside a series. */
  static Integer round(ForensicCheckpointStatus status) {
    return status == null || status.getSeries() == null ? null : status.getSeries().getRound();
  }

  /** True while rounds are left: the object's phase is not terminal then, whatever its containers say. */
  static boolean ongoing(ForensicCheckpointStatus status) {
    SeriesStatus series = status.getSeries();
    return series != null && series.getStopped() == null && series.getRounds().size() < series.getCount();
  }

  /**
   * How long the current round, not yet started, must still wait before its first kubelet call (zero:
   * it is due now); null if there is no such round (no series, the first round, or one under way).
   */
  static Duration untilDue(ForensicCheckpointStatus status, Instant now) {
    if (status == null || !ongoing(status) || status.getSeries().getRounds().isEmpty()
        || !status.getContainers().stream().allMatch(SeriesRounds::untouched)) {
      return null; // the first round starts at once; a round under way is never held back
    }
    Instant due = RecordExpiry.instant(status.getSeries().getRoundDueAt());
    Instant lastCheckpoint = status.getSeries().getRounds().get(status.getSeries().getRounds().size() - 1)
        .getContainers().stream().map(c -> RecordExpiry.instant(c.getCheckpointedAt())).filter(Objects::nonNull)
        .max(Instant::compareTo).orElse(null);
    Instant start = due;
    if (lastCheckpoint != null) {
      Instant apart = lastCheckpoint.plus(AFTER_LAST_CHECKPOINT);
      start = start == null || apart.isAfter(start) ? apart : start;
    }
    return start == null || !start.isAfter(now) ? Duration.ZERO : Duration.between(now, start);
  }

  /**
   * Records the current round once all its containers are done ({@code custodyPending}: some archive
   * of it is still being taken into custody) and, unless it was the last or the series must stop,
   * resets the containers for the next one. Returns true if {@code status} changed.
   */
  static boolean advance(ForensicCheckpoint fcp, ForensicCheckpointStatus status, boolean custodyPending,
      Instant now) {
    if (status.getSeries() == null || !ongoing(status) || status.getContainers().isEmpty() || custodyPending
        || !status.getContainers().stream().allMatch(c -> c.getPhase() != null && c.getPhase().isTerminal())) {
      return false;
    }
    SeriesStatus series = status.getSeries();
    int round = series.getRound();
    SeriesRound done = new SeriesRound();
    done.setRound(round);
    done.setDueAt(series.getRoundDueAt());
    done.setFinishedAt(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    status.getContainers().forEach(c -> done.getContainers().add(summary(c)));
    series.getRounds().add(done);
    if (round >= series.getCount()) {
      series.setRoundDueAt(null);
      return true;
    }
    String gone = status.getContainers().stream().allMatch(c -> c.getPhase() == ContainerPhase.Failed
            && c.getFailure() != null && TARGET_GONE.contains(c.getFailure().getReason()))
        ? status.getContainers().stream().map(c -> c.getName() + ": " + c.getFailure().getReason())
            .collect(Collectors.joining(", ")) : null;
    if (gone != null) {
      series.setStopped("stopped after round " + round + " of " + series.getCount() + ": the pod or its containers"
          + " are gone (" + gone + "), so every later round would fail the same way");
      series.setRoundDueAt(null);
      return true;
    }
    SeriesSpec spec = fcp.getSpec().getSeries();
    Instant start = RecordExpiry.instant(status.getStartTime());
    series.setRound(round + 1);
    series.setProgress((round + 1) + "/" + series.getCount());
    series.setRoundDueAt(start == null ? null
        : start.plusSeconds((long) round * spec.getIntervalSeconds()).toString());
    List<ContainerCheckpointStatus> next = status.getContainers().stream().map(SeriesRounds::fresh).toList();
    status.setContainers(new java.util.ArrayList<>(next));
    return true;
  }

  /**
   * The object's phase over the whole series: Running while rounds are left; once it ended,
   * Succeeded only if every container succeeded in every round, Failed if none ever did.
   */
  static CheckpointPhase phase(ForensicCheckpointStatus status, CheckpointPhase ofCurrentRound) {
    if (status.getSeries() == null || status.getFailure() != null) {
      return ofCurrentRound;
    }
    if (ongoing(status)) {
      return CheckpointPhase.Running;
    }
    List<SeriesRoundContainer> all = status.getSeries().getRounds().stream()
        .flatMap(r -> r.getContainers().stream()).toList();
    long succeeded = all.stream().filter(c -> c.getPhase() == ContainerPhase.Succeeded).count();
    if (all.isEmpty()) {
      return ofCurrentRound;
    }
    return succeeded == all.size() ? CheckpointPhase.Succeeded
        : succeeded > 0 ? CheckpointPhase.PartiallySucceeded : CheckpointPhase.Failed;
  }

  /** What the object's message says of its series, or null outside one. */
  static String describe(ForensicCheckpointStatus status) {
    SeriesStatus series = status.getSeries();
    if (series == null) {
      return null;
    }
    String text = "series round " + series.getRound() + "/" + series.getCount();
    if (series.getStopped() != null) {
      return text + ", " + series.getStopped();
    }
    if (!ongoing(status)) {
      long failed = series.getRounds().stream().flatMap(r -> r.getContainers().stream())
          .filter(c -> c.getPhase() != ContainerPhase.Succeeded).count();
      return text + " done" + (failed == 0 ? "" : ", " + failed + " container checkpoints of the series failed"
          + " (see series.rounds)");
    }
    boolean waiting = !series.getRounds().isEmpty() && status.getContainers().stream().allMatch(SeriesRounds::untouched);
    return waiting ? text + " due at " + series.getRoundDueAt() : text;
  }

  /**
   * The digest of the last custody record of {@code container} in an earlier round, which this
   * round's record names as its previous; null when no earlier round stored one.
   */
  static String previousRecord(ForensicCheckpointStatus status, String container) {
    if (status.getSeries() == null) {
      return null;
    }
    List<SeriesRound> rounds = status.getSeries().getRounds();
    for (int i = rounds.size() - 1; i >= 0; i--) {
      for (SeriesRoundContainer c : rounds.get(i).getContainers()) {
        if (c.getName().equals(container) && c.getRecordSha256() != null) {
          return c.getRecordSha256();
        }
      }
    }
    return null;
  }

  private static boolean untouched(ContainerCheckpointStatus c) {
    return c.getPhase() == ContainerPhase.Pending && (c.getAttempts() == null || c.getAttempts() == 0);
  }

  private static SeriesRoundContainer summary(ContainerCheckpointStatus c) {
    SeriesRoundContainer s = new SeriesRoundContainer(c.getName());
    s.setPhase(c.getPhase());
    s.setAttempts(c.getAttempts());
    s.setStartedAt(c.getStartedAt());
    s.setCheckpointedAt(c.getCheckpointedAt());
    s.setArchivePath(c.getArchivePath());
    s.setFailureReason(c.getFailure() == null ? null : c.getFailure().getReason());
    s.setNote(c.getNote());
    if (c.getEvidence() != null) {
      s.setEvidence(c.getEvidence().getPhase());
      s.setLocation(c.getEvidence().getLocation());
      s.setRecordLocation(c.getEvidence().getRecordLocation());
      s.setRecordSha256(c.getEvidence().getRecordSha256());
    }
    return s;
  }

  /** The container's entry for the next round: what it is, without the last round's results. */
  private static ContainerCheckpointStatus fresh(ContainerCheckpointStatus last) {
    ContainerCheckpointStatus next = new ContainerCheckpointStatus(last.getName());
    next.setContainerID(last.getContainerID());
    next.setImage(last.getImage());
    next.setImageID(last.getImageID());
    next.setAttempts(0);
    next.setPhase(ContainerPhase.Pending);
    return next;
  }

}
