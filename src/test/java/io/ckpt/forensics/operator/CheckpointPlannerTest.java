package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.operator.CheckpointPlanner.Call;
import io.ckpt.forensics.operator.CheckpointPlanner.Input;
import io.ckpt.forensics.operator.CheckpointPlanner.Notice;
import io.ckpt.forensics.operator.CheckpointPlanner.Plan;
import io.ckpt.forensics.operator.CheckpointPlanner.PodRead;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner's decisions, case by case, with no API server, no kubelet and a fixed clock. */
class CheckpointPlannerTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
  static final KubernetesSerialization JSON = new KubernetesSerialization();
  final CheckpointPlanner planner = new CheckpointPlanner(CLOCK, JSON::clone);

  static final PodSnapshot POD = pod("uid-1", "worker-1", "Running", Map.of("app", true));

  // ---- first sight: what is wrong with the pod as a whole

  static Stream<Arguments> wholeFailures() {
    return Stream.of(
        Arguments.of("no pod", PodRead.of(null), FailureReason.PodNotFound, "dev/web does not exist"),
        Arguments.of("may not read it", PodRead.denied(403), FailureReason.Forbidden, "needs get on pods"),
        Arguments.of("not scheduled", PodRead.of(pod("uid-1", null, "Pending", Map.of("app", false))),
            FailureReason.PodNotScheduled, "not scheduled"),
        Arguments.of("not running", PodRead.of(pod("uid-1", "worker-1", "Succeeded", Map.of("app", false))),
            FailureReason.PodNotRunning, "phase Succeeded"),
        Arguments.of("no running container", PodRead.of(pod("uid-1", "worker-1", "Running", Map.of("app", false))),
            FailureReason.ContainerNotRunning, "no container of pod dev/web is running"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wholeFailures")
  void firstSightOfABadPodFailsTheWholeObjectWithoutAPermit(String name, PodRead pod, FailureReason reason,
      String text) {
    ForensicCheckpoint fcp = fcp(null, null);
    Input in = new Input(fcp, pod, null, Map.of());

    Plan plan = planner.plan(in);

    assertThat(planner.permitsToAsk(in)).isEmpty();
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(plan.status().getFailure().getReason()).isEqualTo(reason);
    assertThat(plan.status().getFailure().getMessage()).contains(text);
    assertThat(plan.calls()).isEmpty();
    assertThat(plan.done()).isTrue();
    assertThat(plan.notices()).containsExactly(new Notice.WholeFailure(reason, plan.status().getFailure()
        .getMessage()), new Notice.Finished());
  }

  // ---- first sight: permits

  @Test
  void aPermitFreeAtOnceIsMarkedRunningInTheFirstWriteAndCalledOnThatSameRead() {
    ForensicCheckpoint fcp = fcp(null, null);
    Input in = new Input(fcp, PodRead.of(POD), null, Map.of("app", Call.GRANTED));

    Plan plan = planner.plan(in);

    assertThat(CheckpointPlanner.needsFreshPod(in)).as("read moments ago, nothing waited").isFalse();
    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Running);
    assertThat(app.getAttempts()).isEqualTo(1);
    assertThat(app.getStartedAt()).isEqualTo("2026-11-23T10:00:00Z");
    assertThat(app.getContainerID()).isEqualTo("containerd://app");
    assertThat(plan.status().getNodeName()).isEqualTo("worker-1");
    assertThat(plan.status().getPodUID()).isEqualTo("uid-1");
    assertThat(plan.calls()).containsExactly("app");
    assertThat(plan.notices()).containsExactly(new Notice.Requested(List.of("app"), "worker-1", List.of()));
  }

  @Test
  void anObjectWhoseContainersAllWaitIsNotWrittenAndItsPodIsKept() {
    ForensicCheckpoint fcp = fcp(null, null);
    Input in = new Input(fcp, PodRead.of(POD), null, Map.of());
    assertThat(planner.permitsToAsk(in)).containsExactly("app");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app", Call.WAITING)));

    assertThat(plan.status()).isNull();
    assertThat(plan.calls()).isEmpty();
    assertThat(plan.remember()).isEqualTo(POD);
    assertThat(plan.notices()).containsExactly(new Notice.Requested(List.of("app"), "worker-1", List.of("app")));
  }

  @Test
  void containersThatCannotBeCheckpointedAreWrittenAtOnceEvenWhileOthersWait() {
    ForensicCheckpoint fcp = fcp(List.of("app", "typo"), null);

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app", Call.WAITING)));

    assertThat(plan.status().getPhase()).as("a container has a result").isEqualTo(CheckpointPhase.Running);
    assertThat(plan.status().container("app").orElseThrow().getPhase()).isEqualTo(ContainerPhase.Pending);
    assertThat(plan.status().container("typo").orElseThrow().getFailure().getReason())
        .isEqualTo(FailureReason.ContainerNotFound);
    assertThat(plan.notices()).containsExactly(new Notice.Requested(List.of("app", "typo"), "worker-1",
        List.of("app")), new Notice.ContainerFailed("typo"));
  }

  // ---- after a wait: the pod is read again and compared with the first read

  @Test
  void aContainerThatWaitedNeedsAFreshRead() {
    ForensicCheckpoint fcp = fcp(null, null);
    Input in = new Input(fcp, PodRead.NOT_READ, POD, Map.of("app", Call.GRANTED));

    assertThat(CheckpointPlanner.needsFreshPod(in)).isTrue();
    assertThat(CheckpointPlanner.isFirstSight(fcp, POD)).isFalse();
  }

  static Stream<Arguments> changedWhileWaiting() {
    return Stream.of(
        Arguments.of("same pod", PodRead.of(POD), null),
        Arguments.of("pod deleted", PodRead.of(null), FailureReason.PodNotFound),
        Arguments.of("pod replaced", PodRead.of(pod("uid-2", "worker-1", "Running", Map.of("app", true))),
            FailureReason.PodReplaced),
        Arguments.of("pod moved", PodRead.of(pod("uid-1", "worker-2", "Running", Map.of("app", true))),
            FailureReason.PodReplaced),
        Arguments.of("container stopped", PodRead.of(pod("uid-1", "worker-1", "Running", Map.of("app", false))),
            FailureReason.ContainerNotRunning));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changedWhileWaiting")
  void theFirstWriteOfAnObjectThatWaitedRecordsTheFirstReadAndChecksTheFreshOne(String name, PodRead fresh,
      FailureReason expected) {
    ForensicCheckpoint fcp = fcp(null, null);

    Plan plan = planner.plan(new Input(fcp, fresh, POD, Map.of("app", Call.GRANTED)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(plan.status().getPodUID()).isEqualTo("uid-1");
    assertThat(plan.status().getNodeName()).isEqualTo("worker-1");
    assertThat(plan.notices()).noneMatch(n -> n instanceof Notice.Requested);
    if (expected == null) {
      assertThat(app.getPhase()).isEqualTo(ContainerPhase.Running);
      assertThat(plan.calls()).containsExactly("app");
      assertThat(plan.unusedPermits()).isEmpty();
    } else {
      assertThat(app.getFailure().getReason()).isEqualTo(expected);
      assertThat(plan.calls()).isEmpty();
      assertThat(plan.unusedPermits()).containsExactly("app");
      assertThat(plan.notices()).containsExactly(new Notice.ContainerFailed("app"), new Notice.Finished());
    }
  }

  // ---- results

  @Test
  void aFinishedCallIsRecordedWithItsOwnDuration() {
    ForensicCheckpoint fcp = fcp(null, running("app", 1));
    Call done = Call.finished(new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/a.tar", 2),
        Duration.ofMillis(1234));

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of("app", done)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(app.getArchivePath()).isEqualTo("/var/lib/kubelet/checkpoints/a.tar");
    assertThat(app.getDurationMillis()).isEqualTo(1234);
    assertThat(app.getRetries()).isEqualTo(2);
    assertThat(app.getNote()).contains("2 automatic retries");
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(plan.recorded()).containsExactly("app");
    assertThat(plan.done()).isTrue();
    assertThat(plan.notices()).containsExactly(new Notice.CallEnded(true, Duration.ofMillis(1234)),
        new Notice.ContainerCheckpointed("app", 1234), new Notice.Finished());
    assertThat(fcp.getStatus().container("app").orElseThrow().getPhase()).as("the input is not changed")
        .isEqualTo(ContainerPhase.Running);
  }

  @Test
  void aFailedCallIsRecordedWithTheKubeletsWords() {
    ForensicCheckpoint fcp = fcp(null, running("app", 1));
    Call done = Call.finished(new CheckpointOutcome.Failure(new CheckpointFailure(FailureReason.CRIUFailed,
        "criu failed", 500)), Duration.ofMillis(10));

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of("app", done)));

    assertThat(plan.status().container("app").orElseThrow().getFailure())
        .isEqualTo(new CheckpointFailure(FailureReason.CRIUFailed, "criu failed", 500));
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(plan.notices()).containsExactly(new Notice.CallEnded(false, Duration.ofMillis(10)),
        new Notice.ContainerFailed("app"), new Notice.Finished());
  }

  // ---- restarts

  @Test
  void aRunningContainerWithoutACallHereWasCutOffByARestartAndIsTriedOnceMore() {
    ForensicCheckpoint fcp = fcp(null, running("app", 1));
    assertThat(planner.permitsToAsk(new Input(fcp, PodRead.NOT_READ, null, Map.of()))).containsExactly("app");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app", Call.GRANTED)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getAttempts()).isEqualTo(2);
    assertThat(app.getNote()).contains("attempt 1 (started 2026-11-23T09:00:00Z) was interrupted")
        .contains("may have left an archive on node worker-1");
    assertThat(plan.calls()).containsExactly("app");
  }

  @Test
  void aSecondInterruptedAttemptFailsWithoutAPermit() {
    ForensicCheckpoint fcp = fcp(null, running("app", CheckpointPlanner.MAX_ATTEMPTS));
    Input in = new Input(fcp, PodRead.NOT_READ, null, Map.of());

    Plan plan = planner.plan(in);

    assertThat(planner.permitsToAsk(in)).isEmpty();
    assertThat(plan.status().container("app").orElseThrow().getFailure().getReason())
        .isEqualTo(FailureReason.Interrupted);
    assertThat(plan.calls()).isEmpty();
  }

  // ---- nothing to do

  static Stream<Arguments> nothingToWrite() {
    return Stream.of(Arguments.of("waiting", Call.WAITING), Arguments.of("in flight", Call.IN_FLIGHT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nothingToWrite")
  void aContainerThatWaitsOrRunsNeedsNoWrite(String name, Call call) {
    ForensicCheckpoint fcp = fcp(null, running("app", 1));

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of("app", call)));

    assertThat(plan.status()).isNull();
    assertThat(plan.calls()).isEmpty();
    assertThat(plan.notices()).isEmpty();
  }

  @Test
  void aTerminalObjectIsNeverActedOn() {
    ForensicCheckpointStatus status = running("app", 1);
    status.getContainers().get(0).setPhase(ContainerPhase.Succeeded);
    status.setPhase(CheckpointPhase.Succeeded);
    ForensicCheckpoint fcp = fcp(null, status);
    Input in = new Input(fcp, PodRead.of(POD), null, Map.of("app", Call.GRANTED));

    Plan plan = planner.plan(in);

    assertThat(planner.permitsToAsk(in)).isEmpty();
    assertThat(plan.status()).isNull();
    assertThat(plan.calls()).isEmpty();
    assertThat(plan.done()).isTrue();
  }

  // ---- helpers

  static PodSnapshot pod(String uid, String node, String phase, Map<String, Boolean> running) {
    Map<String, PodSnapshot.ContainerState> states = new LinkedHashMap<>();
    running.keySet().stream().sorted().forEach(name -> states.put(name, new PodSnapshot.ContainerState(
        "containerd://" + name, "img/" + name, "img/" + name + "@sha256:0", running.get(name))));
    return new PodSnapshot(uid, node, phase, List.copyOf(states.keySet()), states);
  }

  static ForensicCheckpointStatus running(String container, int attempts) {
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setPhase(CheckpointPhase.Running);
    status.setNodeName("worker-1");
    status.setPodUID("uid-1");
    ContainerCheckpointStatus c = new ContainerCheckpointStatus(container);
    c.setPhase(ContainerPhase.Running);
    c.setAttempts(attempts);
    c.setStartedAt("2026-11-23T09:00:00Z");
    status.getContainers().add(c);
    return status;
  }

  static ForensicCheckpoint fcp(List<String> containers, ForensicCheckpointStatus status) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName("inc").withNamespace("dev").withUid("fcp-uid").withGeneration(1L)
        .build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("web");
    spec.setContainers(containers);
    fcp.setSpec(spec);
    fcp.setStatus(status);
    return fcp;
  }
}
