package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.kubelet.CheckpointTarget;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Calls reconcile directly against the Fabric8 mock API server (CRUD mode) with a scripted kubelet. */
@EnableKubernetesMockClient(crud = true)
class ForensicCheckpointReconcilerTest {

  static final String NS = "dev";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
  static final String SECRET = "hunter2-very-secret";

  KubernetesClient client;
  KubernetesMockServer server;
  ScriptedTransport kubelet;
  ManualTicker ticker;
  ForensicCheckpointReconciler reconciler;
  final LogLines log = new LogLines(ForensicCheckpointReconciler.class);

  @BeforeEach
  void setUp() {
    kubelet = new ScriptedTransport().answering(ScriptedTransport::archiveFor);
    ticker = new ManualTicker();
    reconciler = reconciler(OperatorConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    log.close();
  }

  /** A new operator process, as main builds it; it sees objects as the API server has them. */
  ForensicCheckpointReconciler reconciler(OperatorConfig config) {
    ForensicCheckpointReconciler built = Reconcilers.of(client, kubelet, config, CLOCK, ticker);
    built.prepareEventSources(new EventSourceContext<>(new ApiServerCache(client), null, client,
        ForensicCheckpoint.class));
    return built;
  }

  // ---- success paths

  @Test
  void checkpointsOneContainerAndRecordsTheKubeletsPath() {
    Pod pod = createPod("nettools", "worker-1", "Running", Map.of("nettools", true));
    createFcp("inc42", "nettools", List.of("nettools"), null);

    ForensicCheckpoint done = settle("inc42");

    ForensicCheckpointStatus status = done.getStatus();
    assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(status.getNodeName()).isEqualTo("worker-1");
    assertThat(status.getPodUID()).isEqualTo(pod.getMetadata().getUid());
    assertThat(status.getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());
    assertThat(status.getStartTime()).isEqualTo("2026-11-23T10:00:00Z");
    assertThat(status.getCompletionTime()).isEqualTo("2026-11-23T10:00:00Z");
    ContainerCheckpointStatus c = status.getContainers().get(0);
    assertThat(c.getName()).isEqualTo("nettools");
    assertThat(c.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(c.getArchivePath())
        .isEqualTo("/var/lib/kubelet/checkpoints/checkpoint-nettools_dev-nettools-2026-11-23T10:00:00Z.tar");
    assertThat(c.getAttempts()).isEqualTo(1);
    assertThat(c.getContainerID()).isEqualTo("containerd://" + "a".repeat(64));
    assertThat(c.getImage()).isEqualTo("docker.io/library/nettools:1");
    assertThat(c.getImageID()).startsWith("docker.io/library/nettools@sha256:");
    assertThat(c.getCheckpointedAt()).isNotNull();
    assertThat(c.getDurationMillis()).isNotNull().isNotNegative();
    assertThat(c.getFailure()).isNull();
    assertCondition(done, Conditions.READY, "True", Conditions.REASON_COMPLETED);
    assertCondition(done, Conditions.FAILED, "False", Conditions.REASON_NOT_FAILED);

    assertThat(kubelet.calls).containsExactly(new CheckpointTarget("worker-1", NS, "nettools", "nettools", 300));
    assertThat(eventReasons()).as("the container's result is told in the object's last event")
        .containsExactlyInAnyOrder("CheckpointRequested", "CheckpointSucceeded");
    assertThat(eventMessage("CheckpointSucceeded")).contains("container nettools checkpointed in 0 ms to "
        + "/var/lib/kubelet/checkpoints/checkpoint-nettools_dev-nettools-2026-11-23T10:00:00Z.tar")
        .contains("1/1 containers checkpointed");
  }

  @Test
  void theDurationIsTheCallsOwnMeasuredOnTheTicker() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("timed", "web", null, null);
    kubelet.holding();
    reconcile("timed");

    ticker.advance(Duration.ofMillis(1500));
    kubelet.finish("web/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));
    ticker.advance(Duration.ofMillis(700)); // the reconcile that records it comes later: not counted

    assertThat(container(settle("timed"), "app").getDurationMillis()).isEqualTo(1500);
  }

  @Test
  void automaticRetriesBeforeTheKubeletAreRecordedButAreNoAttempts() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    kubelet.answering(t -> ScriptedTransport.archiveFor(t).withRetries(2));
    createFcp("flaky", "web", List.of("app"), null);

    ContainerCheckpointStatus c = settle("flaky").getStatus().getContainers().get(0);

    assertThat(c.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(c.getAttempts()).isEqualTo(1);
    assertThat(c.getRetries()).isEqualTo(2);
    assertThat(c.getNote()).contains("2 automatic retries after transient failures that never reached the kubelet");
  }

  @Test
  void withoutAContainerListEveryRunningContainerIsCheckpointed() {
    createPod("web", "worker-1", "Running", Map.of("app", true, "sidecar", true, "stopped", false));
    createFcp("all", "web", null, 60);

    ForensicCheckpoint done = settle("all");

    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(done.getStatus().getContainers()).extracting(ContainerCheckpointStatus::getName)
        .containsExactlyInAnyOrder("app", "sidecar");
    assertThat(kubelet.calls).extracting(CheckpointTarget::container).containsExactlyInAnyOrder("app", "sidecar");
    assertThat(kubelet.calls).extracting(CheckpointTarget::timeoutSeconds).containsOnly(60);
  }

  @Test
  void oneFailedContainerOfTwoMakesItPartiallySucceeded() {
    createPod("web", "worker-1", "Running", Map.of("app", true, "db", true));
    kubelet.answering(t -> t.container().equals("db")
        ? new CheckpointOutcome.Failure(new CheckpointFailure(FailureReason.CRIUFailed, "criu failed", 500))
        : ScriptedTransport.archiveFor(t));
    createFcp("partial", "web", List.of("app", "db"), null);

    ForensicCheckpoint done = settle("partial");

    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.PartiallySucceeded);
    assertThat(container(done, "app").getPhase()).isEqualTo(ContainerPhase.Succeeded);
    ContainerCheckpointStatus db = container(done, "db");
    assertThat(db.getPhase()).isEqualTo(ContainerPhase.Failed);
    assertThat(db.getFailure().getReason()).isEqualTo(FailureReason.CRIUFailed);
    assertThat(db.getFailure().getHttpStatus()).isEqualTo(500);
    assertThat(db.getArchivePath()).isNull();
    assertCondition(done, Conditions.READY, "False", Conditions.REASON_FAILED);
    assertCondition(done, Conditions.FAILED, "True", Conditions.REASON_FAILED);
    assertThat(eventReasons()).contains("CRIUFailed", "CheckpointPartiallySucceeded");
  }

  @Test
  void theOnlyContainerFailingMakesItFailed() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    kubelet.answering(t -> new CheckpointOutcome.Failure(
        new CheckpointFailure(FailureReason.CheckpointingDisabled, "404 page not found", 404)));
    createFcp("gate-off", "web", null, null);

    ForensicCheckpoint done = settle("gate-off");

    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(container(done, "app").getFailure().getReason()).isEqualTo(FailureReason.CheckpointingDisabled);
    assertCondition(done, Conditions.FAILED, "True", Conditions.REASON_FAILED);
  }

  // ---- problems found before any kubelet call

  @Test
  void missingPodFailsWithoutCallingTheKubelet() {
    createFcp("nopod", "ghost", List.of("app"), null);

    ForensicCheckpoint done = settle("nopod");

    assertWholeFailure(done, FailureReason.PodNotFound, "dev/ghost does not exist");
    assertThat(container(done, "app").getFailure().getReason()).isEqualTo(FailureReason.PodNotFound);
    assertThat(kubelet.calls).isEmpty();
    assertThat(eventReasons()).containsExactly("PodNotFound");
  }

  @Test
  void unscheduledPodFails() {
    createPod("pending", null, "Pending", Map.of("app", false));
    createFcp("unscheduled", "pending", null, null);

    assertWholeFailure(settle("unscheduled"), FailureReason.PodNotScheduled, "not scheduled");
    assertThat(kubelet.calls).isEmpty();
  }

  @Test
  void podThatIsNotRunningFails() {
    createPod("done", "worker-1", "Succeeded", Map.of("app", false));
    createFcp("finished", "done", null, null);

    assertWholeFailure(settle("finished"), FailureReason.PodNotRunning, "phase Succeeded");
    assertThat(kubelet.calls).isEmpty();
  }

  @Test
  void unknownAndStoppedContainersFailOnTheirOwnWhileOthersAreCheckpointed() {
    createPod("web", "worker-1", "Running", Map.of("app", true, "stopped", false));
    createFcp("mixed", "web", List.of("app", "stopped", "typo"), null);

    ForensicCheckpoint done = settle("mixed");

    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.PartiallySucceeded);
    assertThat(container(done, "stopped").getFailure().getReason()).isEqualTo(FailureReason.ContainerNotRunning);
    assertThat(container(done, "typo").getFailure().getReason()).isEqualTo(FailureReason.ContainerNotFound);
    assertThat(container(done, "typo").getFailure().getMessage()).contains("no container named typo");
    assertThat(kubelet.calls).extracting(CheckpointTarget::container).containsExactly("app");
  }

  @Test
  void podReplacedWhileWaitingIsNotCheckpointed() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    holdTheNodesPermit("worker-1");
    createFcp("replaced", "web", null, null);
    reconcile("replaced"); // reads the pod and waits for the node's permit
    client.pods().inNamespace(NS).withName("web").delete();
    createPod("web", "worker-1", "Running", Map.of("app", true));
    releaseTheNodesPermit();

    ForensicCheckpoint done = settle("replaced");

    assertThat(container(done, "app").getFailure().getReason()).isEqualTo(FailureReason.PodReplaced);
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(kubelet.calls).extracting(CheckpointTarget::pod).containsExactly("busy");
  }

  @Test
  void containerThatStoppedWhileWaitingIsNotCheckpointed() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    holdTheNodesPermit("worker-1");
    createFcp("stopped", "web", null, null);
    reconcile("stopped");
    Pod pod = client.pods().inNamespace(NS).withName("web").get();
    pod.getStatus().getContainerStatuses().get(0)
        .setState(new ContainerStateBuilder().withNewTerminated().withExitCode(137).endTerminated().build());
    client.pods().inNamespace(NS).resource(pod).updateStatus();
    releaseTheNodesPermit();

    ForensicCheckpoint done = settle("stopped");

    assertThat(container(done, "app").getFailure().getReason()).isEqualTo(FailureReason.ContainerNotRunning);
    assertThat(kubelet.calls).extracting(CheckpointTarget::pod).containsExactly("busy");
  }

  // ---- terminal objects, restarts, stale views

  @Test
  void terminalObjectsAreNeverCalledAgain() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("once", "web", null, null);
    ForensicCheckpoint done = settle("once");
    String version = done.getMetadata().getResourceVersion();

    for (int i = 0; i < 3; i++) {
      reconciler(OperatorConfig.defaults()).reconcile(get("once"), null);
      reconcile("once");
    }

    assertThat(kubelet.callCount()).isEqualTo(1);
    assertThat(get("once").getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void restartDuringACallRetriesOnceAndSaysAnArchiveMayBeLeft() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("restart", "web", null, null);
    kubelet.holding();
    reconcile("restart");
    reconcile("restart"); // the call starts and never returns: the operator process dies here
    assertThat(kubelet.callCount()).isEqualTo(1);
    assertThat(container(get("restart"), "app").getPhase()).isEqualTo(ContainerPhase.Running);

    kubelet.answering(ScriptedTransport::archiveFor);
    reconciler = reconciler(OperatorConfig.defaults()); // a new operator process knows no calls
    ForensicCheckpoint done = settle("restart");

    ContainerCheckpointStatus app = container(done, "app");
    assertThat(kubelet.callCount()).isEqualTo(2);
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(app.getAttempts()).isEqualTo(2);
    assertThat(app.getNote()).contains("attempt 1").contains("interrupted by an operator restart")
        .contains("may have left an archive on node worker-1");
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
  }

  @Test
  void secondInterruptedAttemptIsNotRetried() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("twice", "web", null, null);
    kubelet.holding();
    reconcile("twice");
    reconcile("twice");
    reconciler = reconciler(OperatorConfig.defaults());
    reconcile("twice");
    reconcile("twice"); // the retry starts; the operator dies again
    assertThat(kubelet.callCount()).isEqualTo(2);

    reconciler = reconciler(OperatorConfig.defaults());
    ForensicCheckpoint done = settle("twice");

    assertThat(kubelet.callCount()).isEqualTo(2);
    ContainerCheckpointStatus app = container(done, "app");
    assertThat(app.getFailure().getReason()).isEqualTo(FailureReason.Interrupted);
    assertThat(app.getFailure().getMessage()).contains("may have left archives on node worker-1");
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
  }

  // ---- concurrency

  @Test
  void perNodeLimitHoldsCallsBackUntilOneFinishes() {
    kubelet.holding();
    createPod("a", "worker-1", "Running", Map.of("app", true));
    createPod("b", "worker-1", "Running", Map.of("app", true));
    createPod("c", "worker-2", "Running", Map.of("app", true));
    createFcp("fa", "a", null, null);
    createFcp("fb", "b", null, null);
    createFcp("fc", "c", null, null);

    for (int i = 0; i < 3; i++) {
      reconcile("fa");
      reconcile("fb");
      reconcile("fc");
    }

    assertThat(kubelet.calls).extracting(CheckpointTarget::pod).containsExactlyInAnyOrder("a", "c");
    assertThat(get("fb").getStatus()).as("a waiting object is first written when its call starts").isNull();
    assertThat(eventMessage("CheckpointRequested", "fb")).contains("[app] wait for a free checkpoint slot on node worker-1");

    kubelet.finish("a/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));
    kubelet.finish("c/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));
    settle("fa");
    settle("fc");
    reconcile("fb");
    assertThat(kubelet.calls).extracting(CheckpointTarget::pod).containsExactlyInAnyOrder("a", "c", "b");
  }

  @Test
  void globalLimitAndOneCallPerTargetContainer() {
    kubelet.holding();
    reconciler = reconciler(OperatorConfig.fromEnvironment(Map.of(
        OperatorConfig.MAX_CONCURRENT, "2", OperatorConfig.MAX_CONCURRENT_PER_NODE, "10",
        OperatorConfig.MAX_CONCURRENT_PER_NAMESPACE, "2")));
    createPod("a", "worker-1", "Running", Map.of("app", true));
    createPod("b", "worker-2", "Running", Map.of("app", true));
    createPod("c", "worker-3", "Running", Map.of("app", true));
    createFcp("fa1", "a", null, null);
    createFcp("fa2", "a", null, null); // the same container as fa1: must wait for it
    createFcp("fb", "b", null, null);
    createFcp("fc", "c", null, null);

    for (int i = 0; i < 3; i++) {
      for (String name : List.of("fa1", "fa2", "fb", "fc")) {
        reconcile(name);
      }
    }

    assertThat(kubelet.calls).extracting(CheckpointTarget::pod).containsExactlyInAnyOrder("a", "b");
    assertThat(reconciler.callsInFlight()).isEqualTo(2);
    assertThat(reconciler.waitingPermits()).isEqualTo(2);
  }


  // ---- deletion and conflicts

  @Test
  void deletedWhileWaitingForAPermitLeavesNothingBehind() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createPod("next", "worker-1", "Running", Map.of("app", true));
    holdTheNodesPermit("worker-1");
    createFcp("gone", "web", null, null);
    reconcile("gone");
    assertThat(reconciler.waitingPermits()).isEqualTo(1);

    delete("gone");
    releaseTheNodesPermit();

    assertThat(reconciler.waitingPermits()).as("the permit went back at once").isZero();
    createFcp("after", "next", null, null);
    settle("after");
    assertThat(kubelet.calls).extracting(CheckpointTarget::pod).as("the node's permit was free for the next object")
        .containsExactly("busy", "next");
  }

  @Test
  void theSweepDropsTheRequestOfAnObjectDeletedWhileWaiting() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    holdTheNodesPermit("worker-1");
    createFcp("gone", "web", null, null);
    reconcile("gone");

    delete("gone");
    ticker.advance(Duration.ofSeconds(29));
    assertThat(reconciler.waitingPermits()).isEqualTo(1);
    ticker.advance(Duration.ofSeconds(1));

    assertThat(reconciler.waitingPermits()).isZero();
  }

  @Test
  void aTimeoutAboveTheOperatorsMaximumIsCutToItAndSaidSo() {
    createPod("slow", "worker-1", "Running", Map.of("app", true));
    createFcp("long", "slow", null, 3600);

    assertThat(settle("long").getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(kubelet.calls).containsExactly(new CheckpointTarget("worker-1", NS, "slow", "app", 900));
    assertThat(eventMessage("TimeoutCapped", "long")).isEqualTo("container app: spec.timeoutSeconds 3600 is above"
        + " the operator's maximum (FCP_MAX_TIMEOUT_SECONDS); the kubelet is given 900 s");
  }

  @Test
  void anAnswerIsLoggedWithItsIdentitiesBeforeStatusRecordsIt() {
    Pod pod = createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("logged", "web", null, null);
    kubelet.holding();
    reconcile("logged");
    String uid = get("logged").getMetadata().getUid();

    kubelet.finish("web/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));

    assertThat(container(get("logged"), "app").getPhase()).as("no reconcile has recorded it yet")
        .isEqualTo(ContainerPhase.Running);
    assertThat(log.lines()).anySatisfy(line -> assertThat(line)
        .contains("kubelet answer arrived fcp=dev/logged fcpUID=" + uid + " podUID=" + pod.getMetadata().getUid()
            + " container=app containerID=" + pod.getStatus().getContainerStatuses().get(0).getContainerID()
            + " node=worker-1 attemptID=" + container(get("logged"), "app").getAttemptID()
            + " result=succeeded archivePath=/var/lib/kubelet/checkpoints/checkpoint-web_dev-app-"));
  }

  // ---- the identity of what was checkpointed

  @Test
  void aPodReplacedDuringTheCallIsRecordedOnTheContainerNotHidden() {
    Pod before = createPod("db-0", "worker-1", "Running", Map.of("app", true));
    createFcp("sts", "db-0", null, null);
    kubelet.holding();
    reconcile("sts");
    assertThat(kubelet.pending).containsKey("db-0/app");

    // a StatefulSet recreates db-0 under the same name while the kubelet works
    client.pods().inNamespace(NS).withName("db-0").delete();
    Pod after = createPod("db-0", "worker-1", "Running", Map.of("app", true));
    kubelet.finish("db-0/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));
    ForensicCheckpoint done = settle("sts");

    ContainerCheckpointStatus app = container(done, "app");
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(done.getStatus().getPodUID()).isEqualTo(before.getMetadata().getUid());
    assertThat(app.getIdentityChange()).isNotNull();
    assertThat(app.getIdentityChange().getPodUID()).isEqualTo(after.getMetadata().getUid());
    assertThat(app.getIdentityChange().getMessage()).contains("the pod was replaced during the call")
        .contains("the archive may be of the replacement");
    assertThat(eventMessage("IdentityChanged")).startsWith("container app: the pod was replaced during the call");
    assertThat(done.getStatus().getMessage()).isEqualTo("1/1 containers checkpointed; identity not confirmed for app"
        + " (see identityChange)");
  }

  @Test
  void anUnchangedPodLeavesNoIdentityChange() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("same", "web", null, null);

    assertThat(container(settle("same"), "app").getIdentityChange()).isNull();
    assertThat(eventReasons()).doesNotContain("IdentityChanged");
  }

  // ---- spec.ttlSecondsAfterFinished

  @Test
  void aFinishedObjectWithoutArchivesIsDeletedWhenItsTtlHasPassed() {
    createPod("web", "worker-1", "Succeeded", Map.of("app", false));
    createFcp("short-lived", "web", null, null);
    ForensicCheckpoint fcp = get("short-lived");
    fcp.getSpec().setTtlSecondsAfterFinished(0);
    client.resources(ForensicCheckpoint.class).inNamespace(NS).resource(fcp).update();

    reconcile("short-lived"); // the pod is not running: Failed at once, no archive, and the TTL has passed

    assertThat(get("short-lived")).isNull();
    assertThat(log.lines()).anySatisfy(line -> assertThat(line)
        .contains("ForensicCheckpoint deleted after its ttlSecondsAfterFinished fcp=dev/short-lived"));
  }

  @Test
  void anArchiveOnlyOnItsNodeKeepsItsRecordWhateverTheTtl() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("kept", "web", null, null);
    ForensicCheckpoint fcp = get("kept");
    fcp.getSpec().setTtlSecondsAfterFinished(0);
    client.resources(ForensicCheckpoint.class).inNamespace(NS).resource(fcp).update();

    settle("kept");
    reconcile("kept");
    reconcile("kept");

    assertThat(get("kept")).isNotNull();
    assertThat(eventReasons()).containsOnlyOnce("TTLNotHonoured");
    assertThat(eventMessage("TTLNotHonoured")).contains("exist only on node worker-1");
  }

  // ---- split brain

  @Test
  void twoOperatorProcessesNeverOverwriteEachOthersResults() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("split", "web", null, null);
    kubelet.holding();
    ForensicCheckpointReconciler first = reconciler;
    reconcile("split"); // the first process marks attempt 1 and calls
    String firstAttempt = container(get("split"), "app").getAttemptID();

    // during a failover a second process believes it leads, finds attempt 1 Running with no call of
    // its own, and tries again under a new attempt identifier
    ForensicCheckpointReconciler second = reconciler(OperatorConfig.defaults());
    second.reconcile(get("split"), null);
    String secondAttempt = container(get("split"), "app").getAttemptID();
    assertThat(secondAttempt).isNotEqualTo(firstAttempt);
    assertThat(kubelet.callCount()).isEqualTo(2);
    List<CompletableFuture<CheckpointOutcome>> calls = kubelet.held;

    // the first process's answer comes first: it must not be taken for attempt 2
    calls.get(0).complete(new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/first.tar"));
    first.reconcile(get("split"), null);
    assertThat(container(get("split"), "app").getPhase()).isEqualTo(ContainerPhase.Running);
    assertThat(container(get("split"), "app").getArchivePath()).isNull();
    assertThat(eventMessage("AttemptSuperseded")).contains("attempt " + firstAttempt)
        .contains("/var/lib/kubelet/checkpoints/first.tar").contains("status already names attempt " + secondAttempt);

    // the second process's own answer is recorded
    calls.get(1).complete(new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/second.tar"));
    second.reconcile(get("split"), null);
    ContainerCheckpointStatus app = container(get("split"), "app");
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(app.getArchivePath()).isEqualTo("/var/lib/kubelet/checkpoints/second.tar");
    assertThat(app.getAttemptID()).isEqualTo(secondAttempt);
    assertThat(app.getAttempts()).isEqualTo(2);
  }

  @Test
  void aResultArrivingAfterDeletionIsLoggedAndDropped() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("gone", "web", null, null);
    kubelet.holding();
    reconcile("gone");
    assertThat(reconciler.callsInFlight()).isEqualTo(1);

    delete("gone");
    kubelet.finish("web/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));

    assertThat(reconciler.callsInFlight()).isZero();
    assertThat(log.lines()).anySatisfy(line -> assertThat(line)
        .contains("kubelet result arrived after the ForensicCheckpoint was deleted fcp=dev/gone container=app")
        .contains("archivePath=/var/lib/kubelet/checkpoints/checkpoint-web_dev-app-"));
    kubelet.answering(ScriptedTransport::archiveFor);
    createPod("next", "worker-1", "Running", Map.of("app", true));
    createFcp("after", "next", null, null);
    assertThat(settle("after").getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
  }

  @Test
  void aResultWhoseObjectIsDeletedBeforeItsWriteEndsWithoutAnErrorLoop() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("gone", "web", null, null);
    kubelet.holding();
    reconcile("gone");
    kubelet.finish("web/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));
    ForensicCheckpoint cached = get("gone"); // what a lagging informer still holds

    delete("gone");
    reconciler.reconcile(cached, null); // the status write finds the object gone: 404

    assertThat(reconciler.callsInFlight()).isZero();
    assertThat(log.lines()).anySatisfy(line -> assertThat(line)
        .contains("kubelet result arrived after the ForensicCheckpoint was deleted fcp=dev/gone container=app"));
    reconciler.reconcile(cached, null); // a second wake-up: nothing is held any more, nothing is written
    assertThat(kubelet.callCount()).isEqualTo(1);
  }

  @Test
  void withoutCustodyACheckpointCostsNoRequestForAFinalizer() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("plain", "web", null, null);
    requestsSoFar();

    ForensicCheckpoint done = settle("plain");

    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(done.getMetadata().getFinalizers()).isNullOrEmpty();
    // reads of the object left out: settle() reads it before each reconcile
    assertThat(requestsSoFar()).filteredOn(r -> !r.equals("GET /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/"
        + "forensiccheckpoints/plain")).as("pod reads and status writes; the object itself is never patched")
        .containsExactly("GET /api/v1/namespaces/dev/pods/web",
            "PUT /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/plain/status",
            "GET /api/v1/namespaces/dev/pods/web",
            "PUT /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/plain/status");
  }

  @Test
  void repeatedConflictsEndTheReconcileAfterThreeWritesAndFreeThePermit() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("contested", "web", null, null);
    server.expect().put().withPath("/apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/contested/status")
        .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict").withMessage("the object has been"
            + " modified").build()).always();
    ForensicCheckpoint cached = get("contested");
    requestsSoFar();

    assertThatThrownBy(() -> reconciler.reconcile(cached, null)).isInstanceOfSatisfying(
        KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    assertThat(requestsSoFar()).as("one pod read; each refused write is followed by a read of the object, but the last")
        .containsExactly("GET /api/v1/namespaces/dev/pods/web",
            "PUT /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/contested/status",
            "GET /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/contested",
            "PUT /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/contested/status",
            "GET /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/contested",
            "PUT /apis/forensics.ckpt.io/v1alpha1/namespaces/dev/forensiccheckpoints/contested/status");
    assertThat(kubelet.calls).as("no call without its Running mark written").isEmpty();
    assertThat(reconciler.waitingPermits()).isZero();
    assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("status write refused 3 times in a row"));
    createPod("other", "worker-1", "Running", Map.of("app", true));
    createFcp("other", "other", null, null);
    assertThat(settle("other").getStatus().getPhase()).as("the node's permit was given back")
        .isEqualTo(CheckpointPhase.Succeeded);
  }

  // ---- what must never leak

  @Test
  void nothingFromThePodsEnvironmentReachesStatusOrEvents() {
    createPod("web", "worker-1", "Running", Map.of("app", true));
    createFcp("private", "web", null, null);

    ForensicCheckpoint done = settle("private");

    assertThat(client.getKubernetesSerialization().asJson(done)).doesNotContain(SECRET).doesNotContain("API_TOKEN");
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .extracting(Event::getMessage).noneMatch(m -> m.contains(SECRET));
  }

  // ---- helpers

  Pod createPod(String name, String node, String phase, Map<String, Boolean> containers) {
    List<String> names = containers.keySet().stream().sorted().toList();
    var builder = new PodBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid(UUID.randomUUID().toString())
            .build())
        .withNewSpec().withNodeName(node).endSpec()
        .withNewStatus().withPhase(phase).endStatus();
    for (String c : names) {
      builder.editSpec().addNewContainer().withName(c).withImage("docker.io/library/" + c + ":1")
          .addNewEnv().withName("API_TOKEN").withValue(SECRET).endEnv().endContainer().endSpec();
      var state = containers.get(c)
          ? new ContainerStateBuilder().withNewRunning().withStartedAt("2026-11-23T09:00:00Z").endRunning().build()
          : new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().build();
      builder.editStatus().addToContainerStatuses(new ContainerStatusBuilder().withName(c)
          .withContainerID("containerd://" + "a".repeat(64)).withImage("docker.io/library/" + c + ":1")
          .withImageID("docker.io/library/" + c + "@sha256:" + "b".repeat(64)).withState(state).build()).endStatus();
    }
    return client.pods().inNamespace(NS).resource(builder.build()).create();
  }

  void createFcp(String name, String pod, List<String> containers, Integer timeout) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid(UUID.randomUUID().toString())
        .withGeneration(1L).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName(pod);
    spec.setContainers(containers);
    spec.setTimeoutSeconds(timeout);
    spec.setReason("Falco: Terminal shell in container");
    spec.setCaseId("INC-2026-0042");
    fcp.setSpec(spec);
    client.resources(ForensicCheckpoint.class).inNamespace(NS).resource(fcp).create();
  }

  /** The requests the API server got since the last call, as "METHOD path" (watches and events left out). */
  List<String> requestsSoFar() {
    List<String> seen = new java.util.ArrayList<>();
    try {
      for (var r = server.takeRequest(0, java.util.concurrent.TimeUnit.SECONDS); r != null;
          r = server.takeRequest(0, java.util.concurrent.TimeUnit.SECONDS)) {
        String path = r.getPath().replaceAll("\\?.*", "");
        if (!path.contains("/events")) {
          seen.add(r.getMethod() + " " + path);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return seen;
  }

  void delete(String name) {
    client.resources(ForensicCheckpoint.class).inNamespace(NS).withName(name).delete();
  }

  ForensicCheckpoint get(String name) {
    return client.resources(ForensicCheckpoint.class).inNamespace(NS).withName(name).get();
  }

  /** Another object's call on {@code node} holds the node's only permit until {@link #releaseTheNodesPermit}. */
  void holdTheNodesPermit(String node) {
    createPod("busy", node, "Running", Map.of("app", true));
    createFcp("blocker", "busy", null, null);
    kubelet.holding();
    reconcile("blocker");
    assertThat(kubelet.pending).containsKey("busy/app");
  }

  void releaseTheNodesPermit() {
    kubelet.answering(ScriptedTransport::archiveFor);
    kubelet.finish("busy/app", ScriptedTransport.archiveFor(kubelet.calls.get(0)));
  }

  void reconcile(String name) {
    reconciler.reconcile(get(name), null);
  }

  /** Reconciles as the event source would trigger it, until the object is terminal (bounded). */
  ForensicCheckpoint settle(String name) {
    for (int i = 0; i < 20; i++) {
      ForensicCheckpoint current = get(name);
      if (current.getStatus() != null && current.getStatus().getPhase() != null
          && current.getStatus().getPhase().isTerminal()) {
        return current;
      }
      reconciler.reconcile(current, null);
    }
    return get(name);
  }

  static ContainerCheckpointStatus container(ForensicCheckpoint fcp, String name) {
    return fcp.getStatus().container(name).orElseThrow();
  }

  /** Event reasons in the order the events were made. */
  List<String> eventReasons() {
    return events().stream().map(Event::getReason).toList();
  }

  List<Event> events() {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .sorted(java.util.Comparator.comparing(e -> e.getMetadata().getCreationTimestamp() + e.getMetadata().getName()))
        .toList();
  }

  String eventMessage(String reason) {
    return events().stream().filter(e -> reason.equals(e.getReason())).map(Event::getMessage).findFirst()
        .orElseThrow(() -> new AssertionError("no " + reason + " event among " + eventReasons()));
  }

  String eventMessage(String reason, String fcpName) {
    return events().stream().filter(e -> reason.equals(e.getReason())
            && fcpName.equals(e.getInvolvedObject().getName())).map(Event::getMessage).findFirst()
        .orElseThrow(() -> new AssertionError("no " + reason + " event of " + fcpName));
  }

  static void assertCondition(ForensicCheckpoint fcp, String type, String status, String reason) {
    var condition = Conditions.find(fcp.getStatus().getConditions(), type);
    assertThat(condition).as(type).isNotNull();
    assertThat(condition.getStatus()).as(type).isEqualTo(status);
    assertThat(condition.getReason()).as(type).isEqualTo(reason);
    assertThat(condition.getLastTransitionTime()).isNotNull();
  }

  static void assertWholeFailure(ForensicCheckpoint fcp, FailureReason reason, String text) {
    assertThat(fcp.getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(fcp.getStatus().getFailure().getReason()).isEqualTo(reason);
    assertThat(fcp.getStatus().getFailure().getMessage()).contains(text);
    assertThat(fcp.getStatus().getMessage()).startsWith(reason.name());
    assertCondition(fcp, Conditions.READY, "False", Conditions.REASON_FAILED);
    assertCondition(fcp, Conditions.FAILED, "True", Conditions.REASON_FAILED);
  }
}
