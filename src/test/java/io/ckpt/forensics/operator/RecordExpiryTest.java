package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.operator.RecordExpiry.Decision;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** spec.ttlSecondsAfterFinished: counted from the last of completion and collection; never an archive's only record. */
class RecordExpiryTest {

  static final Instant DONE = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void withoutATtlTheObjectIsKept() {
    assertThat(RecordExpiry.decide(finished(null, EvidencePhase.Stored), DONE.plusSeconds(86_400)))
        .isEqualTo(new Decision.Keep());
  }

  @Test
  void theTtlRunsFromTheLaterOfCompletionAndCollection() {
    ForensicCheckpoint fcp = finished(60, EvidencePhase.Stored);
    fcp.getStatus().getContainers().get(0).getEvidence().setCollectedAt("2026-11-23T10:00:30Z");

    assertThat(RecordExpiry.decide(fcp, DONE.plusSeconds(60))).isEqualTo(new Decision.Wait(Duration.ofSeconds(30)));
    assertThat(RecordExpiry.decide(fcp, DONE.plusSeconds(90))).isEqualTo(new Decision.Delete());
  }

  @Test
  void anArchiveWhoseOnlyRecordIsTheObjectKeepsIt() {
    Decision onNode = RecordExpiry.decide(finished(0, null), DONE.plusSeconds(3600));
    Decision notStored = RecordExpiry.decide(finished(0, EvidencePhase.Failed), DONE.plusSeconds(3600));

    assertThat(onNode).isInstanceOfSatisfying(Decision.Refuse.class, r -> assertThat(r.why())
        .contains("the archives of app exist only on node worker-1").contains("only record"));
    assertThat(notStored).isInstanceOf(Decision.Refuse.class);
  }

  @Test
  void anEarlierRoundOfASeriesWhoseArchiveIsOnlyOnTheNodeKeepsTheObject() {
    ForensicCheckpoint fcp = finished(0, EvidencePhase.Stored);
    var series = new io.ckpt.forensics.api.SeriesStatus();
    var round = new io.ckpt.forensics.api.SeriesRound();
    round.setRound(1);
    var app = new io.ckpt.forensics.api.SeriesRoundContainer("app");
    app.setPhase(ContainerPhase.Succeeded);
    app.setEvidence(EvidencePhase.Failed);
    round.getContainers().add(app);
    series.getRounds().add(round);
    fcp.getStatus().setSeries(series);

    assertThat(RecordExpiry.decide(fcp, DONE.plusSeconds(3600))).isInstanceOfSatisfying(Decision.Refuse.class,
        r -> assertThat(r.why()).contains("app (round 1)"));
    app.setEvidence(EvidencePhase.Stored);
    assertThat(RecordExpiry.decide(fcp, DONE.plusSeconds(3600))).isEqualTo(new Decision.Delete());
  }

  @Test
  void aCheckpointThatLeftNoArchiveExpires() {
    ForensicCheckpoint fcp = finished(0, null);
    ContainerCheckpointStatus app = fcp.getStatus().getContainers().get(0);
    app.setPhase(ContainerPhase.Failed);
    fcp.getStatus().setPhase(CheckpointPhase.Failed);

    assertThat(RecordExpiry.decide(fcp, DONE)).isEqualTo(new Decision.Delete());
  }

  static ForensicCheckpoint finished(Integer ttl, EvidencePhase evidence) {
    ForensicCheckpointStatus status = CheckpointPlannerTest.running("app", 1);
    status.setPhase(CheckpointPhase.Succeeded);
    status.setCompletionTime(DONE.toString());
    ContainerCheckpointStatus app = status.getContainers().get(0);
    app.setPhase(ContainerPhase.Succeeded);
    if (evidence != null) {
      app.setEvidence(evidence == EvidencePhase.Failed ? CollectorPods.failed("ns/p", "StoreUnavailable", "down")
          : CollectorPods.collecting("ns/p"));
      app.getEvidence().setPhase(evidence);
    }
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, status);
    fcp.getSpec().setTtlSecondsAfterFinished(ttl);
    return fcp;
  }
}
