package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreSpec;
import io.ckpt.forensics.api.CheckpointRestoreStatus;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ExportStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.api.RestorePhase;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The restore decisions, table-driven, with no client at all. */
class RestorePlannerTest {

  static final String IMAGE = "registry.lab:5000/ckpt/nettools@sha256:" + "ab".repeat(32);
  static final RestoreConfig SANDBOX_1 = RestoreConfig.enabledOn("sandbox-1");

  static CheckpointRestore restore(Consumer<CheckpointRestoreSpec> change) {
    CheckpointRestore restore = new CheckpointRestore();
    restore.setMetadata(new ObjectMetaBuilder().withName("nettools-inc42").withNamespace("dev").withUid("fcr-uid")
        .withGeneration(1L).build());
    CheckpointRestoreSpec spec = new CheckpointRestoreSpec();
    spec.setCheckpointName("inc42");
    spec.setNodeName("sandbox-1");
    spec.setImage(IMAGE);
    change.accept(spec);
    restore.setSpec(spec);
    return restore;
  }

  static ContainerCheckpointStatus container(String name, ContainerPhase phase) {
    ContainerCheckpointStatus c = new ContainerCheckpointStatus(name);
    c.setPhase(phase);
    return c;
  }

  static ForensicCheckpoint checkpoint(CheckpointPhase phase, ContainerCheckpointStatus... containers) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName("inc42").withNamespace("dev").build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("nettools");
    fcp.setSpec(spec);
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setPhase(phase);
    status.setPodUID("pod-uid");
    status.setContainers(List.of(containers));
    fcp.setStatus(status);
    return fcp;
  }

  static Node node(String name, String runtime) {
    return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().withNewNodeInfo()
        .withContainerRuntimeVersion(runtime).endNodeInfo().endStatus().build();
  }

  static final ForensicCheckpoint ONE_SUCCEEDED = checkpoint(CheckpointPhase.Succeeded,
      container("nettools", ContainerPhase.Succeeded));
  static final Node CAPABLE = node("sandbox-1", "containerd://2.1.0");

  static RestorePlanner.Decision decide(CheckpointRestore restore, ForensicCheckpoint fcp, Node node) {
    return RestorePlanner.decide(new RestorePlanner.Facts(restore, fcp, node, null, null, SANDBOX_1));
  }

  static ContainerCheckpointStatus failed(String name) {
    ContainerCheckpointStatus c = container(name, ContainerPhase.Failed);
    CheckpointFailure failure = new CheckpointFailure();
    failure.setReason(FailureReason.CRIUFailed);
    c.setFailure(failure);
    return c;
  }

  /** situation, spec change, checkpoint, node -> phase, reason, words of the message. */
  static Stream<Arguments> refusalsAndWaits() {
    return Stream.of(
        Arguments.of("no checkpoint", (Consumer<CheckpointRestoreSpec>) s -> { }, null, CAPABLE,
            RestorePhase.Failed, RestorePlanner.CHECKPOINT_NOT_FOUND, "ForensicCheckpoint inc42 does not exist in"
                + " namespace dev"),
        Arguments.of("checkpoint not started", (Consumer<CheckpointRestoreSpec>) s -> { },
            checkpoint(null), CAPABLE, RestorePhase.Pending, RestorePlanner.WAITING_FOR_CHECKPOINT, "to start"),
        Arguments.of("container still running", (Consumer<CheckpointRestoreSpec>) s -> { },
            checkpoint(CheckpointPhase.Running, container("nettools", ContainerPhase.Running)), CAPABLE,
            RestorePhase.Pending, RestorePlanner.WAITING_FOR_CHECKPOINT, "to checkpoint container nettools (now"
                + " Running)"),
        Arguments.of("two containers, none chosen", (Consumer<CheckpointRestoreSpec>) s -> { },
            checkpoint(CheckpointPhase.Succeeded, container("app", ContainerPhase.Succeeded),
                container("sidecar", ContainerPhase.Succeeded)), CAPABLE, RestorePhase.Failed,
            RestorePlanner.CONTAINER_NOT_CHOSEN, "holds 2 containers (app, sidecar); set spec.container"),
        Arguments.of("container not in checkpoint", (Consumer<CheckpointRestoreSpec>) s -> s.setContainer("db"),
            ONE_SUCCEEDED, CAPABLE, RestorePhase.Failed, RestorePlanner.CONTAINER_NOT_IN_CHECKPOINT,
            "has no container db (it holds nettools)"),
        Arguments.of("container failed", (Consumer<CheckpointRestoreSpec>) s -> s.setContainer("db"),
            checkpoint(CheckpointPhase.PartiallySucceeded, container("app", ContainerPhase.Succeeded), failed("db")),
            CAPABLE, RestorePhase.Failed, RestorePlanner.CHECKPOINT_NOT_SUCCEEDED, "did not succeed (Failed:"
                + " CRIUFailed)"),
        Arguments.of("no image", (Consumer<CheckpointRestoreSpec>) s -> s.setImage(null), ONE_SUCCEEDED, CAPABLE,
            RestorePhase.Failed, RestorePlanner.IMAGE_UNKNOWN, "it was not exported (its spec.export is unset)"),
        Arguments.of("no node", (Consumer<CheckpointRestoreSpec>) s -> { }, ONE_SUCCEEDED, null,
            RestorePhase.Failed, RestorePlanner.NODE_NOT_FOUND, "node sandbox-1 does not exist"),
        Arguments.of("containerd 1.7", (Consumer<CheckpointRestoreSpec>) s -> s.setNodeName("old-1"),
            ONE_SUCCEEDED, node("old-1", "containerd://1.7.27"), RestorePhase.Failed,
            RestoreCapability.RUNTIME_CANNOT_RESTORE, "node old-1 runs containerd://1.7.27"),
        Arguments.of("capable but unlisted", (Consumer<CheckpointRestoreSpec>) s -> s.setNodeName("worker-2"),
            ONE_SUCCEEDED, node("worker-2", "cri-o://1.34.2"), RestorePhase.Failed,
            RestoreCapability.RESTORE_NOT_ENABLED, "container_level_enabled = \"checkpoint_restore\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusalsAndWaits")
  void refusesEarlyOrWaits(String situation, Consumer<CheckpointRestoreSpec> spec, ForensicCheckpoint fcp, Node node,
      RestorePhase phase, String reason, String words) {
    RestorePlanner.Decision decision = decide(restore(spec), fcp, node);

    assertThat(decision).as(situation).isInstanceOf(RestorePlanner.Decision.Record.class);
    var record = (RestorePlanner.Decision.Record) decision;
    assertThat(record.phase()).isEqualTo(phase);
    assertThat(record.reason()).isEqualTo(reason);
    assertThat(record.message()).contains(words);
    assertThat(record.lookAgain()).isEqualTo(phase == RestorePhase.Pending ? RestorePlanner.WAIT_CHECKPOINT : null);
    assertThat(record.runtime()).as("what the node reported, only when the node's runtime decided")
        .isEqualTo(reason.startsWith("Runtime") || reason.startsWith("RestoreNot")
            ? node.getStatus().getNodeInfo().getContainerRuntimeVersion() : null);
  }

  @Test
  void createsOnAListedNodeWithTheOnlyContainerAndSpecImage() {
    RestorePlanner.Decision decision = decide(restore(s -> s.setRuntimeClassName("gvisor")), ONE_SUCCEEDED, CAPABLE);

    assertThat(decision).isInstanceOf(RestorePlanner.Decision.Create.class);
    var create = (RestorePlanner.Decision.Create) decision;
    assertThat(create.plan()).isEqualTo(new SandboxPod.Plan("inc42", "nettools", "nettools", IMAGE, "sandbox-1",
        "gvisor", null, null));
    assertThat(create.runtime()).isEqualTo("containerd://2.1.0; restore enabled on this node per FCP_RESTORE_NODES");
  }

  static ForensicCheckpoint exported(ExportStatus export) {
    ContainerCheckpointStatus c = container("nettools", ContainerPhase.Succeeded);
    c.setExport(export);
    ForensicCheckpoint fcp = checkpoint(CheckpointPhase.Succeeded, c);
    fcp.getSpec().setExport(new ExportSpec("registry.lab:5000/ckpt/nettools"));
    return fcp;
  }

  @Test
  void withoutSpecImageTheExportedReferenceIsUsedWaitedForOrItsFailureReported() {
    ExportStatus pushed = new ExportStatus();
    pushed.setImage("registry.lab:5000/ckpt/nettools:inc42-nettools");
    pushed.setReference(IMAGE);
    ExportStatus refused = new ExportStatus();
    refused.setFailure(new ExportFailure(ExportFailure.PUSH_REFUSED, "registry said 401\nUnauthorized"));
    CheckpointRestore noImage = restore(s -> s.setImage(null));

    var create = (RestorePlanner.Decision.Create) decide(noImage, exported(pushed), CAPABLE);
    var waiting = (RestorePlanner.Decision.Record) decide(noImage, exported(null), CAPABLE);
    var failed = (RestorePlanner.Decision.Record) decide(noImage, exported(refused), CAPABLE);
    ExportStatus tagOnly = new ExportStatus();
    tagOnly.setReference("registry.lab:5000/ckpt/nettools:latest");
    var notByDigest = (RestorePlanner.Decision.Record) decide(noImage, exported(tagOnly), CAPABLE);
    var specWins = (RestorePlanner.Decision.Create) decide(restore(s -> s.setImage(IMAGE.replace("ab", "cd"))),
        exported(pushed), CAPABLE);

    assertThat(create.plan().image()).isEqualTo(IMAGE);
    assertThat(waiting.phase()).isEqualTo(RestorePhase.Pending);
    assertThat(waiting.message()).isEqualTo("waiting for the checkpoint image of container nettools of inc42"
        + " (spec.export)");
    assertThat(failed.reason()).isEqualTo(RestorePlanner.IMAGE_UNKNOWN);
    assertThat(failed.message()).contains("was not exported (PushRefused: registry said 401 Unauthorized)");
    assertThat(notByDigest.reason()).isEqualTo(RestorePlanner.IMAGE_UNKNOWN);
    assertThat(notByDigest.message()).contains("is not a reference by digest");
    assertThat(specWins.plan().image()).isEqualTo(IMAGE.replace("ab", "cd"));
  }

  @Test
  void anExportThatNeverReportsFailsTheRestoreAfterTheWait() {
    ForensicCheckpoint asked = exported(null);
    asked.getStatus().setCompletionTime("2026-12-02T09:00:00Z");
    CheckpointRestore noImage = restore(s -> s.setImage(null));
    java.time.Instant ended = java.time.Instant.parse("2026-12-02T09:00:00Z");

    var early = (RestorePlanner.Decision.Record) RestorePlanner.decide(new RestorePlanner.Facts(noImage, asked,
        CAPABLE, null, null, SANDBOX_1, ended.plus(RestorePlanner.EXPORT_WAIT)));
    var late = (RestorePlanner.Decision.Record) RestorePlanner.decide(new RestorePlanner.Facts(noImage, asked,
        CAPABLE, null, null, SANDBOX_1, ended.plus(RestorePlanner.EXPORT_WAIT).plusSeconds(1)));

    assertThat(early.phase()).isEqualTo(RestorePhase.Pending);
    assertThat(late.phase()).isEqualTo(RestorePhase.Failed);
    assertThat(late.reason()).isEqualTo(RestorePlanner.IMAGE_UNKNOWN);
    assertThat(late.message()).contains("asked for a checkpoint image (spec.export) but none was reported for"
        + " container nettools within 15 minutes");
  }

  @Test
  void takesTheOriginalNonRootUserOnlyFromTheSamePod() {
    Pod original = new PodBuilder().withNewMetadata().withName("nettools").withUid("pod-uid").endMetadata()
        .withNewSpec().withNewSecurityContext().withRunAsUser(1000L).withRunAsGroup(3000L).endSecurityContext()
        .addNewContainer().withName("nettools").withNewSecurityContext().withRunAsUser(1001L).endSecurityContext()
        .endContainer().endSpec().build();
    Pod replaced = new PodBuilder(original).editMetadata().withUid("other-uid").endMetadata().build();
    Pod root = new PodBuilder(original).editSpec().editFirstContainer().editSecurityContext().withRunAsUser(0L)
        .endSecurityContext().endContainer().endSpec().build();

    assertThat(RestorePlanner.originalUser(original, "pod-uid", "nettools")).containsExactly(1001L, 3000L);
    assertThat(RestorePlanner.originalUser(replaced, "pod-uid", "nettools")).containsExactly(null, null);
    assertThat(RestorePlanner.originalUser(root, "pod-uid", "nettools")).containsExactly(null, null);
    assertThat(RestorePlanner.originalUser(null, "pod-uid", "nettools")).containsExactly(null, null);
    Pod plain = new PodBuilder().withNewMetadata().withName("nettools").withUid("pod-uid").endMetadata()
        .withNewSpec().addNewContainer().withName("nettools").endContainer().endSpec().build();
    assertThat(RestorePlanner.originalUser(plain, "pod-uid", "nettools")).containsExactly(null, null);
    Pod podLevel = new PodBuilder(plain).editSpec().withNewSecurityContext().withRunAsUser(1000L).endSecurityContext()
        .endSpec().build();
    assertThat(RestorePlanner.originalUser(podLevel, "pod-uid", "nettools")).containsExactly(1000L, null);
    var create = (RestorePlanner.Decision.Create) RestorePlanner.decide(new RestorePlanner.Facts(restore(s -> { }),
        ONE_SUCCEEDED, CAPABLE, null, original, SANDBOX_1));
    assertThat(create.plan().runAsUser()).isEqualTo(1001L);
  }

  static Pod sandbox(CheckpointRestore restore, String phase, io.fabric8.kubernetes.api.model.ContainerState state) {
    return new PodBuilder(SandboxPod.pod(restore, new SandboxPod.Plan("inc42", "nettools", "nettools", IMAGE,
        "sandbox-1", null, null, null))).withNewStatus().withPhase(phase)
        .withContainerStatuses(state == null ? List.of() : List.of(new ContainerStatusBuilder().withName("nettools")
            .withState(state).build())).endStatus().build();
  }

  static CheckpointRestore withPhase(RestorePhase phase) {
    CheckpointRestore restore = restore(s -> { });
    CheckpointRestoreStatus status = new CheckpointRestoreStatus();
    status.setPhase(phase);
    status.setPodName("nettools-inc42-sandbox");
    restore.setStatus(status);
    return restore;
  }

  static io.fabric8.kubernetes.api.model.ContainerState waiting(String reason) {
    return new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewWaiting().withReason(reason)
        .withMessage("rpc error: code = Unknown\ndesc = restore disabled").endWaiting().build();
  }

  static final io.fabric8.kubernetes.api.model.ContainerState RUNNING = new io.fabric8.kubernetes.api.model
      .ContainerStateBuilder().withNewRunning().withStartedAt("2026-12-02T09:00:00Z").endRunning().build();
  static final io.fabric8.kubernetes.api.model.ContainerState EXITED = new io.fabric8.kubernetes.api.model
      .ContainerStateBuilder().withNewTerminated().withExitCode(137).withReason("Error").endTerminated().build();

  /** current phase, pod phase, container state -> what status becomes (null: unchanged), reason, words. */
  static Stream<Arguments> following() {
    return Stream.of(
        Arguments.of(RestorePhase.Creating, "Pending", waiting("ContainerCreating"), null, null, null),
        Arguments.of(RestorePhase.Creating, "Pending", null, null, null, null),
        Arguments.of(RestorePhase.Creating, "Running", RUNNING, RestorePhase.Running, RestorePlanner.SANDBOX_RUNNING,
            "restored container running in sandbox pod nettools-inc42-sandbox on node sandbox-1"),
        Arguments.of(RestorePhase.Running, "Running", RUNNING, null, null, null),
        Arguments.of(RestorePhase.Creating, "Pending", waiting("CreateContainerError"), RestorePhase.Failed,
            RestorePlanner.SANDBOX_FAILED, "cannot start container nettools: CreateContainerError: rpc error: code ="
                + " Unknown desc = restore disabled"),
        Arguments.of(RestorePhase.Creating, "Pending", waiting("ImagePullBackOff"), RestorePhase.Failed,
            RestorePlanner.SANDBOX_FAILED, "ImagePullBackOff"),
        Arguments.of(RestorePhase.Running, "Failed", EXITED, RestorePhase.Failed, RestorePlanner.SANDBOX_FAILED,
            "ended Failed: nettools exited with code 137 (Error); the pod is kept"));
  }

  @ParameterizedTest(name = "{0} + pod {1}")
  @MethodSource("following")
  void statusFollowsThePod(RestorePhase current, String podPhase, io.fabric8.kubernetes.api.model.ContainerState state,
      RestorePhase next, String reason, String words) {
    CheckpointRestore restore = withPhase(current);

    RestorePlanner.Decision decision = RestorePlanner.decide(new RestorePlanner.Facts(restore, null, null,
        sandbox(restore, podPhase, state), null, SANDBOX_1));

    if (next == null) {
      assertThat(decision).isInstanceOf(RestorePlanner.Decision.Nothing.class);
      assertThat(((RestorePlanner.Decision.Nothing) decision).lookAgain()).isEqualTo(current == RestorePhase.Running
          ? RestorePlanner.WAIT_RUNNING : RestorePlanner.WAIT_STARTING);
      return;
    }
    var record = (RestorePlanner.Decision.Record) decision;
    assertThat(record.phase()).isEqualTo(next);
    assertThat(record.reason()).isEqualTo(reason);
    assertThat(record.message()).contains(words);
  }

  @Test
  void aDeletedSandboxOrAForeignPodFailsAndAFailedRestoreIsLeftAlone() {
    CheckpointRestore creating = withPhase(RestorePhase.Creating);
    Pod foreign = new PodBuilder().withNewMetadata().withName("nettools-inc42-sandbox").endMetadata().build();

    var deleted = (RestorePlanner.Decision.Record) RestorePlanner.decide(new RestorePlanner.Facts(creating, null,
        null, null, null, SANDBOX_1));
    var taken = (RestorePlanner.Decision.Record) RestorePlanner.decide(new RestorePlanner.Facts(restore(s -> { }),
        null, null, foreign, null, SANDBOX_1));
    var done = RestorePlanner.decide(new RestorePlanner.Facts(withPhase(RestorePhase.Failed), ONE_SUCCEEDED, CAPABLE,
        null, null, SANDBOX_1));

    assertThat(deleted.reason()).isEqualTo(RestorePlanner.SANDBOX_DELETED);
    assertThat(deleted.message()).contains("nettools-inc42-sandbox was deleted");
    assertThat(taken.reason()).isEqualTo(RestorePlanner.NAME_TAKEN);
    assertThat(done).isEqualTo(new RestorePlanner.Decision.Nothing(null));
  }
}
