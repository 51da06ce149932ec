package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.CheckpointCall;
import io.ckpt.forensics.lab.KubeletFault;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kubelets that answer badly: 10 MiB, not JSON, no path or two, a body that drips, a reset before
 * or during the answer. Through each transport, each ends in its reason with a message that says
 * what was wrong, after one call to the kubelet; the operator, in its own JVM with a small heap,
 * keeps serving other objects meanwhile and survives several nodes sending 10 MiB at once.
 */
class BadPeersIT {

  /**
   * Small, yet twice what the operator needs here (this test also passes with -Xmx32m); the eight
   * 10 MiB answers sent at once would not fit if they were read whole.
   */
  static final String HEAP = "-Xmx64m";
  static final int NODES = 4;
  static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("bad-peers-it").nodes(NODES), Map.of());

  /** One bad answer: the container it is injected for, and what its failure must say. */
  record BadAnswer(KubeletFault fault, FailureReason reason, boolean archiveMayExist, String proxyText,
      String directText) {

    String container() {
      return fault.name().toLowerCase().replace('_', '-');
    }
  }

  static final List<BadAnswer> BAD_ANSWERS = List.of(
      new BadAnswer(KubeletFault.HUGE_BODY, FailureReason.KubeletError, true, "answered 200 with a body over 64 KiB",
          "answered 200 with a body over 64 KiB"),
      new BadAnswer(KubeletFault.NOT_JSON, FailureReason.KubeletError, true, "answered 200 but its body is not JSON",
          "answered 200 but its body is not JSON"),
      new BadAnswer(KubeletFault.NO_ITEMS, FailureReason.KubeletError, true, "answered 200 with no archive path",
          "answered 200 with no archive path"),
      new BadAnswer(KubeletFault.SEVERAL_ITEMS, FailureReason.KubeletError, true,
          "answered 200 with 2 archive paths instead of one", "answered 200 with 2 archive paths instead of one"),
      new BadAnswer(KubeletFault.SLOW_DRIP, FailureReason.KubeletError, true,
          "answered 200 but its body did not finish within 10 s", "answered 200 but its body did not finish within 10 s"),
      new BadAnswer(KubeletFault.RESET_MID_RESPONSE, FailureReason.NodeUnreachable, true,
          "the connection to the kubelet was reset mid-answer", "answered 200 but the connection was reset mid-answer"),
      new BadAnswer(KubeletFault.RESET_BEFORE_RESPONSE, FailureReason.NodeUnreachable, false,
          "could not reach the kubelet", "failed during the checkpoint"));

  @ParameterizedTest(name = "transport {0}")
  @ValueSource(strings = {"proxy", "direct"})
  void everyBadAnswerEndsInItsReasonAndTheOperatorKeepsServing(String transport) throws Exception {
    Lab lab = CLUSTER.lab();
    ChartRelease chart = CLUSTER.chart();
    Checkpoints fcps = CLUSTER.fcps();
    chart.upgrade(Map.of("transport", transport));
    String namespace = "bad-" + transport;
    SimulatedNode dripNode = lab.node(1);
    SimulatedNode healthyNode = lab.node(2);
    List<SimulatedNode> others = List.of(lab.node(3), lab.node(4));
    // every node applies the bad answer named by the container, so the pods can go anywhere
    for (SimulatedNode node : lab.nodes()) {
      BAD_ANSWERS.forEach(bad -> node.inject(bad.fault(), bad.container(), -1));
      node.inject(KubeletFault.HUGE_BODY, "flood-a", -1).inject(KubeletFault.HUGE_BODY, "flood-b", -1);
    }
    Map<String, SimulatedNode> pods = new LinkedHashMap<>();
    for (int i = 0; i < BAD_ANSWERS.size(); i++) {
      BadAnswer bad = BAD_ANSWERS.get(i);
      pods.put(bad.container(), bad.fault() == KubeletFault.SLOW_DRIP ? dripNode : others.get(i % others.size()));
    }
    for (SimulatedNode node : lab.nodes()) {
      pods.put("flood-" + node.name(), node);
    }
    pods.put("healthy", healthyNode);
    pods.forEach((pod, node) -> lab.createPod(lab.podSpec(namespace, pod, node, containersOf(pod)).build()));
    pods.keySet().forEach(pod -> lab.awaitPod(namespace, pod, Lab::isRunningAndReady, WAIT));

    Path log = lab.runDir().resolve("operator-" + transport + ".log");
    try (OperatorProcess operator = OperatorProcess.start(chart.operatorKubeconfig(lab.runDir().resolve(
        "operator-" + transport + ".kubeconfig")), log, Map.of(
            OperatorConfig.WATCH_NAMESPACES, namespace, OperatorConfig.TRANSPORT, transport,
            OperatorConfig.KUBELET_CA_FILE, CLUSTER.kubeletCaFile().toString(),
            OperatorConfig.TOKEN_FILE, CLUSTER.tokenFile().toString(),
            OperatorConfig.KUBELET_SERVICE_ACCOUNT, ChartRelease.CHECKPOINTER_ACCOUNT,
            OperatorConfig.DEFAULT_TIMEOUT_SECONDS, "60", OperatorConfig.MAX_CONCURRENT_PER_NODE, "2",
            OperatorConfig.MAX_CONCURRENT, "20"), List.of(HEAP, "-XX:+UseSerialGC"))) {
      int port = operator.healthPort(WAIT);

      BAD_ANSWERS.forEach(bad -> fcps.create(namespace, bad.container(), bad.container(), bad.container()));
      // keeps serving: while node 1 drips its answer, a checkpoint on node 2 completes
      Awaitility.await("the dripping answer has started").atMost(WAIT)
          .until(() -> !callsFor(dripNode, namespace, "slow-drip", "slow-drip").isEmpty());
      fcps.create(namespace, "healthy", "healthy", "app");
      ForensicCheckpoint healthy = fcps.awaitTerminal(namespace, "healthy", WAIT);
      assertThat(healthy.getStatus().getPhase()).as(healthy.getStatus().getMessage())
          .isEqualTo(CheckpointPhase.Succeeded);
      assertThat(fcps.get(namespace, "slow-drip").getStatus().getPhase()).as("still reading the dripping answer")
          .isEqualTo(CheckpointPhase.Running);
      // bounded memory: every node sends 10 MiB twice at once, more than the whole heap
      for (SimulatedNode node : lab.nodes()) {
        fcps.create(namespace, "flood-" + node.name(), "flood-" + node.name());
      }

      for (BadAnswer bad : BAD_ANSWERS) {
        ForensicCheckpoint done = fcps.awaitTerminal(namespace, bad.container(), WAIT);
        assertBadAnswer(done, bad, bad.container(), pods.get(bad.container()), transport);
      }
      for (SimulatedNode node : lab.nodes()) {
        String pod = "flood-" + node.name();
        ForensicCheckpoint done = fcps.awaitTerminal(namespace, pod, WAIT);
        for (String container : containersOf(pod)) {
          assertBadAnswer(done, BAD_ANSWERS.get(0), container, node, transport);
        }
      }
      assertThat(operator.isAlive()).as(operator.log()).isTrue();
      assertThat(OperatorProcess.get(port, "/healthz").getKey()).isEqualTo(200);
      assertThat(operator.log()).doesNotContain("OutOfMemoryError");
    }
  }

  static String[] containersOf(String pod) {
    return pod.startsWith("flood-") ? new String[] {"flood-a", "flood-b"}
        : pod.equals("healthy") ? new String[] {"app"} : new String[] {pod};
  }

  static void assertBadAnswer(ForensicCheckpoint done, BadAnswer bad, String container, SimulatedNode node,
      String transport) {
    String what = transport + " " + bad.fault() + " " + container;
    assertThat(done.getStatus().getPhase()).as(what).isEqualTo(CheckpointPhase.Failed);
    ContainerCheckpointStatus status = Checkpoints.container(done, container);
    assertThat(status.getFailure().getReason()).as(what + ": " + status.getFailure()).isEqualTo(bad.reason());
    assertThat(status.getFailure().getMessage()).as(what)
        .contains(transport.equals("proxy") ? bad.proxyText() : bad.directText())
        .hasSizeLessThanOrEqualTo(1024);
    if (bad.archiveMayExist()) {
      assertThat(status.getFailure().getMessage()).as(what).contains("may have written an archive on node "
          + node.name()).contains("not retried automatically");
    }
    assertThat(status.getAttempts()).as(what).isEqualTo(1);
    assertThat(status.getRetries()).as(what + ": no automatic re-send").isIn(0, null);
    assertThat(callsFor(node, done.getMetadata().getNamespace(), done.getSpec().getPodName(), container))
        .as(what + ": calls the kubelet received").hasSize(1);
  }

  static List<CheckpointCall> callsFor(SimulatedNode node, String namespace, String pod, String container) {
    String target = "/checkpoint/" + namespace + "/" + pod + "/" + container + "?";
    return node.calls().stream().filter(c -> c.target().startsWith(target)).toList();
  }
}
