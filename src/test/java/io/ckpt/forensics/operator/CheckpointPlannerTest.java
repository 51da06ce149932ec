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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner's decisions, case by case, with no API server, no kubelet and a fixed clock. */
class CheckpointPlannerTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
  static final KubernetesSerialization JSON = new KubernetesSerialization();
  final AtomicInteger attemptIDs = new AtomicInteger(100);
  final CheckpointPlanner planner = new CheckpointPlanner(CLOCK, JSON::clone,
      () -> "attempt-" + attemptIDs.incrementAndGet());

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
        Duration.ofMillis(1234), "attempt-1");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app", done)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(app.getArchivePath()).isEqualTo("/var/lib/kubelet/checkpoints/a.tar");
    assertThat(app.getDurationMillis()).isEqualTo(1234);
    assertThat(app.getRetries()).isEqualTo(2);
    assertThat(app.getNote()).contains("2 automatic retries");
    assertThat(app.getIdentityChange()).as("the pod read after the call is the one marked").isNull();
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
        "criu failed", 500)), Duration.ofMillis(10), "attempt-1");

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of("app", done)));

    assertThat(plan.status().container("app").orElseThrow().getFailure())
        .isEqualTo(new CheckpointFailure(FailureReason.CRIUFailed, "criu failed", 500));
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(plan.notices()).containsExactly(new Notice.CallEnded(false, Duration.ofMillis(10)),
        new Notice.ContainerFailed("app"), new Notice.Finished());
  }

  // ---- the identity of what was checkpointed

  @Test
  void aSucceededCallNeedsThePodReadAgainAFailedOneDoesNot() {
    ForensicCheckpoint fcp = fcp(null, running("app", 1));
    Call succeeded = Call.finished(new CheckpointOutcome.Success("/a.tar"), Duration.ZERO, "attempt-1");
    Call failed = Call.finished(new CheckpointOutcome.Failure(new CheckpointFailure(FailureReason.CRIUFailed, "x",
        500)), Duration.ZERO, "attempt-1");

    assertThat(CheckpointPlanner.needsFreshPod(new Input(fcp, PodRead.NOT_READ, null, Map.of("app", succeeded))))
        .isTrue();
    assertThat(CheckpointPlanner.needsFreshPod(new Input(fcp, PodRead.of(POD), null, Map.of("app", succeeded))))
        .isFalse();
    assertThat(CheckpointPlanner.needsFreshPod(new Input(fcp, PodRead.NOT_READ, null, Map.of("app", failed))))
        .isFalse();
  }

  static Stream<Arguments> identityChanges() {
    PodSnapshot restarted = new PodSnapshot("uid-1", "worker-1", "Running", List.of("app"), Map.of("app",
        new PodSnapshot.ContainerState("containerd://app-2", "img/app", "img/app@sha256:0", true)));
    return Stream.of(
        Arguments.of("pod replaced", PodRead.of(pod("uid-2", "worker-1", "Running", Map.of("app", true))), "uid-2",
            "containerd://app", "the pod was replaced during the call (UID uid-1 -> uid-2)"),
        Arguments.of("container restarted", PodRead.of(restarted), "uid-1", "containerd://app-2",
            "the container's ID changed during the call (containerd://app -> containerd://app-2)"),
        Arguments.of("pod deleted", PodRead.of(null), null, null, "the pod was deleted by the time the call ended"),
        Arguments.of("pod unreadable", PodRead.denied(403), null, null, "could not be read again after the call"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("identityChanges")
  void aSuccessWhoseIdentityChangedDuringTheCallSaysSoInsteadOfClaimingTheOldOne(String name, PodRead after,
      String podUID, String containerID, String text) {
    ForensicCheckpoint fcp = fcp(null, running("app", 1));
    Call done = Call.finished(new CheckpointOutcome.Success("/a.tar"), Duration.ofMillis(5), "attempt-1");

    Plan plan = planner.plan(new Input(fcp, after, null, Map.of("app", done)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getPhase()).as("the kubelet did write an archive").isEqualTo(ContainerPhase.Succeeded);
    assertThat(app.getIdentityChange()).isNotNull();
    assertThat(app.getIdentityChange().getPodUID()).isEqualTo(podUID);
    assertThat(app.getIdentityChange().getContainerID()).isEqualTo(containerID);
    assertThat(app.getIdentityChange().getMessage()).contains(text)
        .contains("pod UID uid-1, container ID containerd://app");
    assertThat(plan.notices()).contains(new Notice.IdentityChanged("app"));
  }

  // ---- split brain: results belong to attempts

  @Test
  void aResultOfAnAttemptThatStatusNoLongerNamesIsToldNotRecorded() {
    ForensicCheckpointStatus status = running("app", 2); // another process marked attempt-2 since
    ForensicCheckpoint fcp = fcp(null, status);
    CheckpointOutcome outcome = new CheckpointOutcome.Success("/a.tar");
    Call mine = Call.finished(outcome, Duration.ofMillis(5), "attempt-1");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app", mine)));

    assertThat(plan.status()).as("nothing is written over attempt-2").isNull();
    assertThat(plan.recorded()).containsExactly("app");
    assertThat(plan.notices()).containsExactly(new Notice.Superseded("app", "attempt-1", "attempt-2", outcome));
  }

  @Test
  void aResultArrivingAfterAnotherAttemptEndedTheContainerIsToldNotRecorded() {
    ForensicCheckpointStatus status = running("app", 2);
    status.getContainers().get(0).setPhase(ContainerPhase.Succeeded);
    ForensicCheckpoint fcp = fcp(List.of("app", "db"), status);
    ContainerCheckpointStatus db = new ContainerCheckpointStatus("db");
    db.setPhase(ContainerPhase.Running);
    db.setAttempts(1);
    db.setAttemptID("attempt-1");
    status.getContainers().add(db);
    CheckpointOutcome outcome = new CheckpointOutcome.Success("/mine.tar");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app",
        Call.finished(outcome, Duration.ZERO, "attempt-1"))));

    assertThat(plan.status()).isNull();
    assertThat(plan.notices()).containsExactly(new Notice.Superseded("app", "attempt-1", "attempt-2", outcome));
  }

  @Test
  void aResultAlreadyRecordedByThisAttemptIsDroppedQuietly() {
    ForensicCheckpointStatus status = running("app", 1);
    status.getContainers().get(0).setPhase(ContainerPhase.Succeeded);
    ContainerCheckpointStatus db = new ContainerCheckpointStatus("db");
    db.setPhase(ContainerPhase.Pending);
    db.setAttempts(0);
    status.getContainers().add(db);
    ForensicCheckpoint fcp = fcp(List.of("app", "db"), status);

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app",
        Call.finished(new CheckpointOutcome.Success("/a.tar"), Duration.ZERO, "attempt-1"))));

    assertThat(plan.status()).isNull();
    assertThat(plan.recorded()).containsExactly("app");
    assertThat(plan.notices()).isEmpty();
  }

  // ---- restarts

  @Test
  void aRunningContainerWithoutACallHereWasCutOffByARestartAndIsTriedOnceMore() {
    ForensicCheckpoint fcp = fcp(null, running("app", 1));
    assertThat(planner.permitsToAsk(new Input(fcp, PodRead.NOT_READ, null, Map.of()))).containsExactly("app");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(POD), null, Map.of("app", Call.GRANTED)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getAttempts()).isEqualTo(2);
    assertThat(app.getAttemptID()).as("a new identifier, written before the call").isEqualTo("attempt-101");
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
    c.setAttemptID("attempt-" + attempts);
    c.setContainerID("containerd://app");
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
