package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.archive.CheckpointImages;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.CheckpointedProcess;
import io.ckpt.forensics.lab.KubeletFault;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RealKubeletNode;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator, as the chart's ServiceAccount, against a node running the kubelet's own code
 * ({@link RealKubeletNode}): the pod is run by the kubelet's fake runtime and reported Running by
 * the kubelet itself, the checkpoint goes through the node proxy to the kubelet's real server,
 * authentication, authorization and checkpoint handler, and the failure reasons come from the
 * kubelet's own wrapping of runtime errors.
 */
class RealKubeletCheckpointIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("real-kubelet-it").nodes(0).realNodes(1),
      Map.of());
  static final Duration WAIT = Duration.ofSeconds(60);
  static Lab lab;
  static Checkpoints fcps;
  static RealKubeletNode node;
  static OperatorMain.Running operator;
  static int counter;

  @BeforeAll
  static void startOperator() {
    lab = CLUSTER.lab();
    fcps = CLUSTER.fcps();
    if (lab != null) {
      node = lab.realNode(1);
      operator = CLUSTER.chart().startOperator(ChartRelease.testConfig());
    }
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  static String unique(String prefix) {
    return prefix + "-" + (++counter);
  }

  @Test
  void checkpointsAContainerOfARealKubeletThroughTheNodeProxy() throws Exception {
    String pod = unique("web");
    Pod running = lab.createRunningPod("dev", pod, node, "app");
    String name = unique("inc");

    fcps.create("dev", name, pod, "app");
    ForensicCheckpoint done = fcps.awaitTerminal("dev", name, WAIT);

    assertThat(done.getStatus().getPhase()).as(String.valueOf(done.getStatus())).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(done.getStatus().getNodeName()).isEqualTo(node.name());
    ContainerCheckpointStatus c = Checkpoints.container(done, "app");
    assertThat(c.getContainerID()).isEqualTo(running.getStatus().getContainerStatuses().get(0).getContainerID());
    assertThat(c.getArchivePath()).startsWith(node.rootDir() + "/checkpoints/checkpoint-" + pod + "_dev-app-")
        .endsWith(".tar");
    assertThat(Files.exists(node.archiveFile(c.getArchivePath()))).as("archive written by the runtime").isTrue();
    try (CheckpointTar archive = CheckpointTar.open(node.archiveFile(c.getArchivePath()))) {
      assertThat(CheckpointImages.of(archive).orElseThrow().processes())
          .extracting(CheckpointedProcess::pid, CheckpointedProcess::comm).containsExactly(tuple(2956, "loop2"));
    }
    assertThat(node.runtimeCalls()).extracting(RealKubeletNode.RuntimeCall::location).contains(c.getArchivePath());
  }

  /**
   * {@link ManyCheckpointsOfOneContainerIT} against the kubelet's own archive naming (the container
   * and the second): 100 objects of one container created at once each get an archive of their own.
   */
  @Test
  void aHundredCheckpointsOfOneContainerEachGetTheirOwnArchive() throws Exception {
    int objects = 100;
    String pod = unique("suspect");
    lab.createRunningPod("burst", pod, node, "app");
    int callsBefore = node.runtimeCalls().size();
    fcps.createAtOnce("burst", "burst", objects, pod, "app");
    List<ForensicCheckpoint> done = fcps.awaitAllTerminal("burst", objects, Duration.ofSeconds(objects * 2 + 60));

    assertThat(done).allSatisfy(f -> assertThat(f.getStatus().getPhase()).as(f.getStatus().getMessage())
        .isEqualTo(CheckpointPhase.Succeeded));
    List<String> paths = done.stream().map(f -> Checkpoints.container(f, "app").getArchivePath()).toList();
    assertThat(paths.stream().distinct()).as("every object names an archive of its own").hasSize(objects);
    assertThat(paths).allSatisfy(p -> assertThat(Files.exists(node.archiveFile(p))).isTrue());
    List<RealKubeletNode.RuntimeCall> calls = node.runtimeCalls().subList(callsBefore, node.runtimeCalls().size());
    assertThat(calls).as("one runtime call per object").hasSize(objects);
    assertThat(calls.stream().map(RealKubeletNode.RuntimeCall::location).distinct())
        .as("the kubelet never handed the runtime one location twice").hasSize(objects);
  }

  static Stream<Arguments> runtimeFailures() {
    return Stream.of(
        Arguments.of(KubeletFault.CRIU_FAILURE, FailureReason.CRIUFailed, "criu failed"),
        Arguments.of(KubeletFault.CRIU_FAILURE_CONTAINERD, FailureReason.CRIUFailed, "criu"),
        Arguments.of(KubeletFault.RUNTIME_UNSUPPORTED, FailureReason.RuntimeUnsupported, "not implemented"),
        Arguments.of(KubeletFault.DISK_FULL, FailureReason.KubeletError, "no space left on device"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runtimeFailures")
  void runtimeFailuresEndInTheirReason(KubeletFault fault, FailureReason expected, String text) {
    String pod = unique("victim");
    lab.createRunningPod("dev", pod, node, "app");
    node.failLike(fault);
    String name = unique("fail");

    fcps.create("dev", name, pod, "app");
    ForensicCheckpoint done = fcps.awaitTerminal("dev", name, WAIT);

    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
    var failure = Checkpoints.container(done, "app").getFailure();
    assertThat(failure.getReason()).as(String.valueOf(failure)).isEqualTo(expected);
    assertThat(failure.getMessage()).containsIgnoringCase(text);
    assertThat(Checkpoints.container(done, "app").getAttempts()).isEqualTo(1);
  }

  @Test
  void gateOffEndsInCheckpointingDisabled() {
    String pod = unique("gated");
    lab.createRunningPod("dev", pod, node, "app");
    try {
      node.restartWithCheckpointGate(false, WAIT);
      String name = unique("off");
      fcps.create("dev", name, pod, "app");
      ForensicCheckpoint done = fcps.awaitTerminal("dev", name, WAIT);
      var failure = Checkpoints.container(done, "app").getFailure();
      assertThat(failure.getReason()).as(String.valueOf(failure)).isEqualTo(FailureReason.CheckpointingDisabled);
      assertThat(failure.getMessage()).contains("404 page not found");
    } finally {
      node.restartWithCheckpointGate(true, WAIT);
    }
  }
}
