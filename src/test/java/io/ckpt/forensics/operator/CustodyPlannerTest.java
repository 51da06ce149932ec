package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.operator.CheckpointPlanner.Call;
import io.ckpt.forensics.operator.CheckpointPlanner.Input;
import io.ckpt.forensics.operator.CheckpointPlanner.Notice;
import io.ckpt.forensics.operator.CheckpointPlanner.Plan;
import io.ckpt.forensics.operator.CheckpointPlanner.PodRead;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Custody steps as the planner takes them: mark before creating, write the report before deleting. */
class CustodyPlannerTest {

  final CheckpointPlanner planner = new CheckpointPlanner(CheckpointPlannerTest.CLOCK, CheckpointPlannerTest.JSON::clone,
      () -> "attempt-1", new CustodyPlanner(CollectorPodsTest.FILE));
  final String pod = CollectorPods.name("fcp-uid", "app", 1);

  @Test
  void aSucceededContainerIsMarkedCollectingInTheWriteThatRecordsItThenItsCollectorStarts() {
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, CheckpointPlannerTest.running("app", 1));
    Call done = Call.finished(new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/a.tar"), Duration.ZERO,
        "attempt-1");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(CheckpointPlannerTest.POD), null, Map.of("app", done)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(app.getEvidence().getPhase()).isEqualTo(EvidencePhase.Collecting);
    assertThat(app.getEvidence().getCollectorPod()).isEqualTo("fcp-evidence/" + pod);
    assertThat(plan.collectorsToStart()).containsExactly("app");
    assertThat(plan.status().getPhase()).as("the checkpoint itself succeeded").isEqualTo(CheckpointPhase.Succeeded);
    assertThat(plan.done()).as("custody is still to come").isFalse();
    assertThat(plan.notices()).contains(new Notice.Finished(), new Notice.EvidenceCollecting("app"));
    var condition = Conditions.find(plan.status().getConditions(), Conditions.EVIDENCE_STORED);
    assertThat(condition.getStatus()).isEqualTo("False");
    assertThat(condition.getReason()).isEqualTo(Conditions.REASON_COLLECTING);
  }

  @Test
  void aFinishedCollectorsReportIsWrittenBeforeItsPodIsDeleted() {
    ForensicCheckpoint fcp = collecting();
    var report = CollectorPods.report(CollectorPodsTest.finished(0, "{\"v\":1,\"result\":\"Stored\","
        + "\"location\":\"file:///evidence/a.tar\",\"sha256\":\"" + "a".repeat(64) + "\",\"sizeBytes\":5}"))
        .orElseThrow();

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, report))));

    var evidence = plan.status().container("app").orElseThrow().getEvidence();
    assertThat(evidence.getPhase()).isEqualTo(EvidencePhase.Stored);
    assertThat(evidence.getCollectorPod()).isEqualTo("fcp-evidence/" + pod);
    assertThat(plan.collectorsToDelete()).containsExactly(pod);
    assertThat(plan.done()).isTrue();
    assertThat(plan.notices()).containsExactly(new Notice.EvidenceStored("app"));
    var condition = Conditions.find(plan.status().getConditions(), Conditions.EVIDENCE_STORED);
    assertThat(condition.getStatus()).isEqualTo("True");
    assertThat(plan.status().getMessage()).isEqualTo("1/1 containers checkpointed; 1/1 archives stored");
  }

  @Test
  void aFailedCollectionLeavesTheCheckpointSucceededAndSaysCustodyDidNot() {
    ForensicCheckpoint fcp = collecting();
    var report = CollectorPods.report(CollectorPodsTest.finished(1, "{\"v\":1,\"result\":\"Failed\","
        + "\"reason\":\"StoreUnavailable\",\"message\":\"connection refused\"}")).orElseThrow();

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, report))));

    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    var condition = Conditions.find(plan.status().getConditions(), Conditions.EVIDENCE_STORED);
    assertThat(condition.getStatus()).isEqualTo("False");
    assertThat(condition.getReason()).isEqualTo(Conditions.REASON_NOT_STORED);
    assertThat(condition.getMessage()).contains("app: StoreUnavailable").contains("stay on node worker-1");
    assertThat(plan.notices()).containsExactly(new Notice.EvidenceNotStored("app"));
    assertThat(plan.done()).isTrue();
  }

  @Test
  void aCollectorStillRunningNeedsNothingAndOneNotSeenIsAskedForAgain() {
    ForensicCheckpoint fcp = collecting();

    Plan running = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, null))));
    assertThat(running.status()).isNull();
    assertThat(running.collectorsToStart()).isEmpty();
    assertThat(planner.isDone(fcp, Map.of())).isFalse();

    Plan lost = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of()));
    assertThat(lost.status()).as("status already says Collecting").isNull();
    assertThat(lost.collectorsToStart()).as("created again; AlreadyExists if it was only not seen yet")
        .containsExactly("app");
  }

  @Test
  void aPodLeftBehindAfterItsReportWasWrittenIsDeleted() {
    ForensicCheckpoint fcp = collecting();
    fcp.getStatus().getContainers().get(0).getEvidence().setPhase(EvidencePhase.Stored);
    Map<String, CustodyPlanner.Collector> left = Map.of("app", new CustodyPlanner.Collector(pod, null));

    assertThat(planner.isDone(fcp, left)).isFalse();
    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), left));

    assertThat(plan.status()).isNull();
    assertThat(plan.collectorsToDelete()).containsExactly(pod);
    assertThat(planner.isDone(fcp, Map.of())).isTrue();
  }

  @Test
  void withoutCustodyATerminalObjectIsDoneAsBefore() {
    ForensicCheckpoint fcp = collecting();
    fcp.getStatus().getContainers().get(0).setEvidence(null);
    CheckpointPlanner without = new CheckpointPlanner(CheckpointPlannerTest.CLOCK, CheckpointPlannerTest.JSON::clone,
        () -> "attempt-1");

    assertThat(without.isDone(fcp, Map.of())).isTrue();
    assertThat(planner.isDone(fcp, Map.of())).as("with custody, its archive is still to be collected").isFalse();
  }

  /** A checkpoint that succeeded, its one container's collector asked for. */
  ForensicCheckpoint collecting() {
    ForensicCheckpointStatus status = CheckpointPlannerTest.running("app", 1);
    ContainerCheckpointStatus app = status.getContainers().get(0);
    app.setPhase(ContainerPhase.Succeeded);
    app.setArchivePath("/var/lib/kubelet/checkpoints/a.tar");
    app.setEvidence(CollectorPods.collecting("fcp-evidence/" + pod));
    status.setPhase(CheckpointPhase.Succeeded);
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, status);
    fcp.getMetadata().setUid("fcp-uid");
    return fcp;
  }
}
