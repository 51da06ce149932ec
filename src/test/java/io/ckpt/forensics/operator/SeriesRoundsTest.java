package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.api.SeriesSpec;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.operator.CheckpointPlanner.Call;
import io.ckpt.forensics.operator.CheckpointPlanner.Input;
import io.ckpt.forensics.operator.CheckpointPlanner.Plan;
import io.ckpt.forensics.operator.CheckpointPlanner.PodRead;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rounds of a series: when each is due, how one ends and the next begins, and how records chain. */
class SeriesRoundsTest {

  static final Instant START = Instant.parse("2026-11-23T10:00:00Z");
  static final String DIGEST_1 = "1".repeat(64);

  final CheckpointPlanner planner = new CheckpointPlanner(CheckpointPlannerTest.CLOCK, CheckpointPlannerTest.JSON::clone,
      () -> "attempt-1", new CustodyPlanner(CollectorPodsTest.FILE));

  @Test
  void theFirstWriteStartsRoundOneDueAtOnce() {
    ForensicCheckpoint fcp = series(3, 60, null);
    Call granted = Call.GRANTED;

    Plan plan = planner.plan(new Input(fcp, PodRead.of(CheckpointPlannerTest.POD), CheckpointPlannerTest.POD,
        Map.of("app", granted)));

    var series = plan.status().getSeries();
    assertThat(series.getRound()).isEqualTo(1);
    assertThat(series.getProgress()).isEqualTo("1/3");
    assertThat(series.getRoundDueAt()).isEqualTo(plan.status().getStartTime());
    assertThat(plan.calls()).containsExactly("app");
    assertThat(SeriesRounds.untilDue(plan.status(), START)).as("round 1 is never held back").isNull();
  }

  @Test
  void aRoundEndsOnlyOnceItsCustodyEndedThenOneWriteRecordsItAndResetsTheContainers() {
    ForensicCheckpointStatus status = roundDone(1, 3, EvidencePhase.Collecting);
    assertThat(SeriesRounds.advance(series(3, 60, status), status, true, START.plusSeconds(5)))
        .as("the archive is still being collected").isFalse();

    status.getContainers().get(0).getEvidence().setPhase(EvidencePhase.Stored);
    assertThat(SeriesRounds.advance(series(3, 60, status), status, false, START.plusSeconds(5))).isTrue();

    var round = status.getSeries().getRounds().get(0);
    assertThat(round.getRound()).isEqualTo(1);
    assertThat(round.getFinishedAt()).isEqualTo("2026-11-23T10:00:05Z");
    assertThat(round.getContainers()).singleElement().satisfies(c -> {
      assertThat(c.getPhase()).isEqualTo(ContainerPhase.Succeeded);
      assertThat(c.getRecordSha256()).isEqualTo(DIGEST_1);
      assertThat(c.getArchivePath()).endsWith("r1.tar");
    });
    ContainerCheckpointStatus app = status.getContainers().get(0);
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Pending);
    assertThat(app.getAttempts()).isZero();
    assertThat(app.getEvidence()).isNull();
    assertThat(app.getArchivePath()).isNull();
    assertThat(status.getSeries().getRound()).isEqualTo(2);
    assertThat(status.getSeries().getProgress()).isEqualTo("2/3");
    assertThat(SeriesRounds.previousRecord(status, "app")).as("what round 2's record names").isEqualTo(DIGEST_1);
    assertThat(SeriesRounds.advance(series(3, 60, status), status, false, START.plusSeconds(6)))
        .as("a round is recorded once").isFalse();
  }

  @Test
  void roundsAreDueAtStartPlusIntervalsWhateverTheRoundsBeforeThemTook() {
    ForensicCheckpointStatus status = roundDone(1, 3, EvidencePhase.Stored);
    // round 1 ends late, 25 s after the start, with an interval of 10 s
    SeriesRounds.advance(series(3, 10, status), status, false, START.plusSeconds(25));
    assertThat(status.getSeries().getRoundDueAt()).isEqualTo("2026-11-23T10:00:10Z");
    assertThat(SeriesRounds.untilDue(status, START.plusSeconds(25))).as("late: starts at once, not skipped")
        .isEqualTo(Duration.ZERO);

    finish(status, 2, START.plusSeconds(27));
    SeriesRounds.advance(series(3, 10, status), status, false, START.plusSeconds(28));
    assertThat(status.getSeries().getRoundDueAt()).as("not 28 s + 10 s: delays do not add up")
        .isEqualTo("2026-11-23T10:00:20Z");
  }

  @Test
  void aRoundOnTimeWaitsForItsDueTime() {
    ForensicCheckpointStatus status = roundDone(1, 3, EvidencePhase.Stored);
    SeriesRounds.advance(series(3, 60, status), status, false, START.plusSeconds(5));

    assertThat(SeriesRounds.untilDue(status, START.plusSeconds(5))).isEqualTo(Duration.ofSeconds(55));
    assertThat(SeriesRounds.untilDue(status, START.plusSeconds(60))).isEqualTo(Duration.ZERO);
    status.getContainers().get(0).setPhase(ContainerPhase.Running);
    status.getContainers().get(0).setAttempts(1);
    assertThat(SeriesRounds.untilDue(status, START.plusSeconds(61))).as("a round under way is not held").isNull();
  }

  @Test
  void twoRoundsOfOneContainerNeverShareTheKubeletsArchiveSecond() {
    ForensicCheckpointStatus status = roundDone(1, 3, EvidencePhase.Stored);
    status.getContainers().get(0).setCheckpointedAt("2026-11-23T10:00:40Z");
    SeriesRounds.advance(series(3, 10, status), status, false, START.plusSeconds(40));

    // due at 10:00:10, but the last archive's second was 10:00:40: not before 10:00:42.1
    assertThat(SeriesRounds.untilDue(status, START.plusSeconds(40))).isEqualTo(Duration.ofMillis(2100));
  }

  @Test
  void aFailedRoundIsRecordedAndTheNextIsTriedButAGonePodStopsTheSeries() {
    ForensicCheckpointStatus status = roundDone(1, 3, EvidencePhase.Stored);
    failed(status.getContainers().get(0), FailureReason.CRIUFailed);
    SeriesRounds.advance(series(3, 10, status), status, false, START.plusSeconds(5));
    assertThat(status.getSeries().getRounds().get(0).getContainers().get(0).getFailureReason())
        .isEqualTo(FailureReason.CRIUFailed);
    assertThat(status.getSeries().getRound()).as("CRIU may succeed next time").isEqualTo(2);
    assertThat(SeriesRounds.ongoing(status)).isTrue();

    failed(status.getContainers().get(0), FailureReason.PodNotFound);
    SeriesRounds.advance(series(3, 10, status), status, false, START.plusSeconds(15));
    assertThat(status.getSeries().getStopped()).contains("after round 2 of 3").contains("app: PodNotFound");
    assertThat(SeriesRounds.ongoing(status)).isFalse();
    assertThat(SeriesRounds.phase(status, CheckpointPhase.Failed)).isEqualTo(CheckpointPhase.Failed);
  }

  @Test
  void theObjectIsRunningUntilTheLastRoundAndSucceededOnlyIfEveryRoundDid() {
    ForensicCheckpointStatus status = roundDone(1, 2, EvidencePhase.Stored);
    SeriesRounds.advance(series(2, 10, status), status, false, START.plusSeconds(5));
    CheckpointProgress.summarize(status, 1L, CheckpointPlannerTest.CLOCK);
    assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Running);
    assertThat(status.getMessage()).startsWith("series round 2/2 due at 2026-11-23T10:00:10Z");

    finish(status, 2, START.plusSeconds(11));
    SeriesRounds.advance(series(2, 10, status), status, false, START.plusSeconds(12));
    CheckpointProgress.summarize(status, 1L, CheckpointPlannerTest.CLOCK);
    assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(status.getSeries().getRounds()).hasSize(2);
    assertThat(status.getSeries().getRoundDueAt()).isNull();

    status.getSeries().getRounds().get(0).getContainers().get(0).setPhase(ContainerPhase.Failed);
    CheckpointProgress.summarize(status, 1L, CheckpointPlannerTest.CLOCK);
    assertThat(status.getPhase()).as("one round failed").isEqualTo(CheckpointPhase.PartiallySucceeded);
  }

  @Test
  void theNextRoundsCollectorNamesThePreviousRecordAndGetsNamesOfItsOwn() {
    ForensicCheckpointStatus status = roundDone(1, 3, EvidencePhase.Stored);
    ForensicCheckpoint fcp = series(3, 10, status);
    String firstPod = CollectorPods.name("0123456789abcdef", "app", CollectorPods.attemptKey(status, status.getContainers()
        .get(0)));
    String firstObject = CollectorPods.objectName(fcp, status.getContainers().get(0), CollectorPodsTest.FILE);
    SeriesRounds.advance(fcp, status, false, START.plusSeconds(5));
    ContainerCheckpointStatus app = status.getContainers().get(0);
    app.setPhase(ContainerPhase.Succeeded);
    app.setAttempts(1);
    app.setArchivePath("/var/lib/kubelet/checkpoints/r2.tar");

    Pod pod = CollectorPods.build(fcp, app, CollectorPodsTest.FILE);

    List<String> args = pod.getSpec().getContainers().get(0).getArgs();
    assertThat(String.join(" ", args)).contains("--series-index 1 --series-count 3 --previous-record-sha256 "
        + DIGEST_1);
    assertThat(pod.getMetadata().getName()).isNotEqualTo(firstPod);
    assertThat(CollectorPods.objectName(fcp, app, CollectorPodsTest.FILE)).isEqualTo("dev/inc-01234567/app-r2-1.tar")
        .isNotEqualTo(firstObject);
  }

  @Test
  void theFirstRoundsCollectorNamesNoPreviousRecord() {
    ForensicCheckpointStatus status = roundDone(1, 3, EvidencePhase.Collecting);

    Pod pod = CollectorPods.build(series(3, 10, status), status.getContainers().get(0), CollectorPodsTest.FILE);

    assertThat(String.join(" ", pod.getSpec().getContainers().get(0).getArgs()))
        .contains("--series-index 0 --series-count 3").doesNotContain("--previous-record-sha256");
  }

  @Test
  void aStoredReportsRecordDigestReachesStatusOnlyIfItIsADigest() {
    var report = CollectorPods.report(CollectorPodsTest.finished(0, "{\"v\":1,\"result\":\"Stored\","
        + "\"recordSha256\":\"" + DIGEST_1 + "\"}")).orElseThrow();
    var forged = CollectorPods.report(CollectorPodsTest.finished(0, "{\"v\":1,\"result\":\"Stored\","
        + "\"recordSha256\":\"--store-root /\"}")).orElseThrow();

    assertThat(report.getRecordSha256()).isEqualTo(DIGEST_1);
    assertThat(forged.getRecordSha256()).isNull();
  }

  /** Round {@code round} of {@code count} with its one container checkpointed and custody at {@code evidence}. */
  static ForensicCheckpointStatus roundDone(int round, int count, EvidencePhase evidence) {
    ForensicCheckpointStatus status = CheckpointPlannerTest.running("app", 1);
    status.setStartTime(START.toString());
    ForensicCheckpoint fcp = series(count, 10, status);
    SeriesRounds.begin(fcp, status);
    status.getSeries().setRound(round);
    ContainerCheckpointStatus app = status.getContainers().get(0);
    app.setPhase(ContainerPhase.Succeeded);
    app.setArchivePath("/var/lib/kubelet/checkpoints/r" + round + ".tar");
    app.setCheckpointedAt(START.plusSeconds(1).toString());
    var e = CollectorPods.collecting("fcp-evidence/p");
    e.setPhase(evidence);
    e.setRecordSha256(DIGEST_1);
    app.setEvidence(e);
    return status;
  }

  static ForensicCheckpoint series(int count, int interval, ForensicCheckpointStatus status) {
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, status);
    fcp.getSpec().setSeries(new SeriesSpec(count, interval));
    fcp.getMetadata().setUid("0123456789abcdef");
    return fcp;
  }

  /** The current round's container succeeded at {@code at}, its custody done. */
  static void finish(ForensicCheckpointStatus status, int round, Instant at) {
    ContainerCheckpointStatus app = status.getContainers().get(0);
    app.setPhase(ContainerPhase.Succeeded);
    app.setAttempts(1);
    app.setArchivePath("/var/lib/kubelet/checkpoints/r" + round + ".tar");
    app.setCheckpointedAt(at.toString());
  }

  static void failed(ContainerCheckpointStatus c, FailureReason reason) {
    c.setPhase(ContainerPhase.Failed);
    c.setAttempts(1);
    c.setEvidence(null);
    c.setFailure(new CheckpointFailure(reason, "test", null));
  }
}
