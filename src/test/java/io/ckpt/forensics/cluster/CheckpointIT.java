package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.archive.CheckpointImages;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.CheckpointedProcess;
import io.ckpt.forensics.cli.FcpMain;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.CheckpointCall;
import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.KubeletFault;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator, running as the Helm chart's ServiceAccount, against a real kube-apiserver whose
 * node proxy reaches simulated kubelets: the success path and every failure reason end to end.
 */
class CheckpointIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("checkpoint-it").nodes(3), Map.of());
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  @BeforeAll
  static void startOperator() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
    if (lab != null) {
      operator = chart.startOperator(ChartRelease.testConfig());
    }
  }

  static final Duration WAIT = Duration.ofSeconds(60);
  static OperatorMain.Running operator;
  static int counter;

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
  void checkpointsAContainerThroughTheNodeProxy() throws Exception {
    SimulatedNode node = lab.nodes().get(0);
    String pod = unique("nettools");
    lab.createRunningPod("dev", pod, node, "nettools");
    String name = unique("inc");

    fcps.create("dev", name, pod, "nettools");
    ExecResult wait = lab.kubectl("wait", "--for=condition=Ready", "fcp/" + name, "-n", "dev", "--timeout=60s");
    ForensicCheckpoint done = fcps.get("dev", name);

    assertThat(wait.exitCode()).as(wait.toString()).isZero();
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(done.getStatus().getNodeName()).isEqualTo(node.name());
    ContainerCheckpointStatus c = Checkpoints.container(done, "nettools");
    assertThat(c.getContainerID()).isEqualTo(node.containerId("dev", pod, "nettools").orElseThrow());
    assertThat(c.getArchivePath()).startsWith(node.rootDir() + "/checkpoints/checkpoint-" + pod + "_dev-nettools-")
        .endsWith(".tar");
    assertThat(Files.exists(node.archiveFile(c.getArchivePath()))).as("archive written on the node").isTrue();
    assertThat(c.getAttempts()).isEqualTo(1);
    try (CheckpointTar archive = CheckpointTar.open(node.archiveFile(c.getArchivePath()))) {
      var processes = CheckpointImages.of(archive).orElseThrow().processes();
      assertThat(processes).extracting(CheckpointedProcess::pid, CheckpointedProcess::comm)
          .as("what the inspector reads from the archive the lab's kubelet wrote")
          .containsExactly(tuple(2956, "loop2"));
    }
    assertEveryFcpCommandReads(node, node.archiveFile(c.getArchivePath()));

    List<CheckpointCall> calls = callsFor(node, pod);
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).user()).as("the kubelet sees the API server's kubelet client, not the operator")
        .isEqualTo(Lab.KUBELET_CLIENT_USER);
    assertThat(calls.get(0).archivePath()).isEqualTo(c.getArchivePath());

    ExecResult get = lab.kubectl("get", "fcp", name, "-n", "dev");
    assertThat(get.exitCode()).isZero();
    assertThat(get.stdout().lines().findFirst().orElse("")).contains("NAME").contains("POD").contains("NODE")
        .contains("PHASE").contains("ARCHIVE").contains("AGE");
    assertThat(get.stdout()).contains(pod).contains(node.name()).contains("Succeeded").contains(c.getArchivePath());
    ExecResult category = lab.kubectl("get", "forensics", "-n", "dev", "-o", "name");
    assertThat(category.stdout()).contains("forensiccheckpoint.forensics.ckpt.io/" + name);

    // the container's result is told in the object's terminal event
    awaitEvents(name, "CheckpointRequested", "CheckpointSucceeded");
    assertThat(events(name)).doesNotContain("ContainerCheckpointed");
  }

  @Test
  void checkpointsEveryRunningContainerOfAMultiContainerPod() {
    SimulatedNode node = lab.nodes().get(1);
    String pod = unique("multi");
    lab.createRunningPod("shop", pod, node, "app", "sidecar", "metrics");
    String name = unique("all");

    fcps.create("shop", name, pod);
    ForensicCheckpoint done = fcps.awaitTerminal("shop", name, WAIT);

    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(done.getStatus().getContainers()).extracting(ContainerCheckpointStatus::getName)
        .containsExactlyInAnyOrder("app", "sidecar", "metrics");
    assertThat(done.getStatus().getContainers()).allSatisfy(c -> {
      assertThat(c.getPhase()).isEqualTo(ContainerPhase.Succeeded);
      assertThat(Files.exists(node.archiveFile(c.getArchivePath()))).isTrue();
    });
    assertThat(callsFor(node, pod)).hasSize(3);
    assertThat(node.sameContainerOverlaps()).isZero();
    assertThat(node.maxConcurrentCheckpoints()).as("per-node limit 1").isEqualTo(1);
  }

  static Stream<Arguments> kubeletFaults() {
    return Stream.of(
        Arguments.of("gate off", (Consumer<SimulatedNode>) n -> n.setCheckpointGate(false),
            FailureReason.CheckpointingDisabled, "404 page not found"),
        Arguments.of("containerd 1.7", fault(KubeletFault.RUNTIME_UNSUPPORTED), FailureReason.RuntimeUnsupported,
            "not implemented"),
        Arguments.of("CRIU dump failed (CRI-O)", fault(KubeletFault.CRIU_FAILURE), FailureReason.CRIUFailed,
            "criu failed"),
        Arguments.of("CRIU dump failed (containerd)", fault(KubeletFault.CRIU_FAILURE_CONTAINERD),
            FailureReason.CRIUFailed, "criu"),
        Arguments.of("node disk full", fault(KubeletFault.DISK_FULL), FailureReason.KubeletError,
            "no space left on device"),
        Arguments.of("CRI deadline", fault(KubeletFault.DEADLINE_EXCEEDED), FailureReason.Timeout,
            "DeadlineExceeded"),
        Arguments.of("kubelet crashed mid-call", fault(KubeletFault.RESET_BEFORE_RESPONSE),
            FailureReason.NodeUnreachable, "error trying to reach service"),
        Arguments.of("connection reset mid-response", fault(KubeletFault.RESET_MID_RESPONSE),
            FailureReason.NodeUnreachable, "connection"),
        Arguments.of("kubelet certificate from another CA", (Consumer<SimulatedNode>) n -> n.serveCertificateFromOtherCa(true),
            FailureReason.NodeUnreachable, "x509"),
        Arguments.of("node unreachable", (Consumer<SimulatedNode>) SimulatedNode::makeUnreachable,
            FailureReason.NodeUnreachable, "connection refused"));
  }

  static Consumer<SimulatedNode> fault(KubeletFault fault) {
    return n -> n.inject(fault);
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("kubeletFaults")
  void kubeletAndProxyFailuresEndInTheirReason(String situation, Consumer<SimulatedNode> breakNode,
      FailureReason expected, String text) {
    SimulatedNode node = lab.nodes().get(2);
    String pod = unique("victim");
    lab.createRunningPod("dev", pod, node, "app");
    breakNode.accept(node);
    String name = unique("fail");

    fcps.create("dev", name, pod, "app");
    ForensicCheckpoint done = fcps.awaitTerminal("dev", name, WAIT);

    assertThat(done.getStatus().getPhase()).as(situation).isEqualTo(CheckpointPhase.Failed);
    var failure = Checkpoints.container(done, "app").getFailure();
    assertThat(failure.getReason()).as(situation + ": " + failure).isEqualTo(expected);
    assertThat(failure.getMessage()).containsIgnoringCase(text);
    assertThat(Checkpoints.container(done, "app").getAttempts()).as("never retried automatically").isEqualTo(1);
    assertThat(callsFor(node, pod)).as("requests the kubelet received").hasSizeLessThanOrEqualTo(1);
    awaitEvents(name, expected.name());
  }

  @Test
  void kubectlWaitForFailedStopsOnATerminalFailure() {
    SimulatedNode node = lab.nodes().get(0);
    String pod = unique("crash");
    lab.createRunningPod("dev", pod, node, "app");
    node.inject(KubeletFault.CRIU_FAILURE);
    String name = unique("waitfail");

    fcps.create("dev", name, pod);
    ExecResult wait = lab.kubectl("wait", "--for=condition=Failed", "fcp/" + name, "-n", "dev", "--timeout=60s");

    assertThat(wait.exitCode()).as(wait.toString()).isZero();
    ForensicCheckpoint done = fcps.get("dev", name);
    assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY).getReason())
        .isEqualTo(Conditions.REASON_FAILED);
  }

  @Test
  void problemsWithThePodAreFoundBeforeAnyKubeletCall() {
    SimulatedNode node = lab.nodes().get(1);
    String running = unique("ok");
    lab.createRunningPod("dev", running, node, "app");
    String held = unique("held");
    lab.createPod(lab.podSpec("dev", held, node, "app").editMetadata()
        .addToAnnotations(SimulatedNode.HOLD_ANNOTATION, "true").endMetadata().build());
    String unscheduled = unique("unscheduled");
    lab.adminClient().pods().inNamespace("dev").resource(new PodBuilder().withNewMetadata().withName(unscheduled)
        .endMetadata().withNewSpec().addNewContainer().withName("app").withImage(Lab.DEFAULT_IMAGE).endContainer()
        .endSpec().build()).create();
    String stopped = unique("stopped");
    lab.createRunningPod("dev", stopped, node, "app", "worker");
    node.terminateContainer("dev", stopped, "worker", 0);
    node.clearCalls();

    Map<String, FailureReason> expected = Map.of(
        fcpFor("ghost-pod"), FailureReason.PodNotFound,
        fcpFor(held), FailureReason.PodNotRunning,
        fcpFor(unscheduled), FailureReason.PodNotScheduled);
    String typo = unique("typo");
    fcps.create("dev", typo, running, "app", "no-such-container");
    String notRunning = unique("notrunning");
    fcps.create("dev", notRunning, stopped, "worker");

    expected.forEach((name, reason) -> {
      ForensicCheckpoint done = fcps.awaitTerminal("dev", name, WAIT);
      assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
      assertThat(done.getStatus().getFailure().getReason()).as(name).isEqualTo(reason);
    });
    ForensicCheckpoint partial = fcps.awaitTerminal("dev", typo, WAIT);
    assertThat(partial.getStatus().getPhase()).isEqualTo(CheckpointPhase.PartiallySucceeded);
    assertThat(Checkpoints.container(partial, "no-such-container").getFailure().getReason())
        .isEqualTo(FailureReason.ContainerNotFound);
    ForensicCheckpoint exited = fcps.awaitTerminal("dev", notRunning, WAIT);
    assertThat(Checkpoints.container(exited, "worker").getFailure().getReason())
        .isEqualTo(FailureReason.ContainerNotRunning);
    assertThat(node.calls()).extracting(CheckpointCall::target)
        .singleElement().asString().startsWith("/checkpoint/dev/" + running + "/app?timeout=");
  }

  @Test
  void aPodReplacedWhileItsCheckpointWaitsIsNotCheckpointed() {
    SimulatedNode node = lab.nodes().get(0);
    String busy = unique("busy");
    String target = unique("replaced");
    lab.createRunningPod("dev", busy, node, "app");
    lab.createRunningPod("dev", target, node, "app");
    node.setLatency(Duration.ofSeconds(3));
    String first = unique("holds-node");
    fcps.create("dev", first, busy, "app");
    fcps.await("dev", first, WAIT, f -> f.getStatus() != null
        && f.getStatus().container("app").map(c -> c.getPhase() == ContainerPhase.Running).orElse(false));
    String waiting = unique("waits");
    fcps.create("dev", waiting, target, "app");
    // the operator has read the pod once it announces the request; a waiting object is not written
    awaitEvents(waiting, "CheckpointRequested");
    assertThat(fcps.get("dev", waiting).getStatus()).as("not written while it waits").isNull();

    lab.adminClient().pods().inNamespace("dev").withName(target).withGracePeriod(0).delete();
    Awaitility.await().atMost(WAIT).until(() -> lab.adminClient().pods().inNamespace("dev").withName(target).get() == null);
    lab.createRunningPod("dev", target, node, "app");
    ForensicCheckpoint done = fcps.awaitTerminal("dev", waiting, WAIT);

    assertThat(Checkpoints.container(done, "app").getFailure().getReason()).isEqualTo(FailureReason.PodReplaced);
    assertThat(callsFor(node, target)).isEmpty();
    assertThat(fcps.awaitTerminal("dev", first, WAIT).getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
  }

  /** The inspector's commands on an archive as the lab's kubelet wrote it (issue 6: "archives the lab produces"). */
  static void assertEveryFcpCommandReads(SimulatedNode node, java.nio.file.Path archive) {
    String file = archive.toString();
    String[][] commands = {
        {"list", node.checkpointDir().toString()},
        {"inspect", "--all", file},
        {"inspect", "--all", "--format", "json", file},
        {"memparse", file},
        {"memparse", "--pid", "2956", "--search", "ANDROID_ROOT", file},
        {"summary", file},
        {"diff", file, file}};
    for (String[] command : commands) {
      java.io.StringWriter out = new java.io.StringWriter();
      java.io.StringWriter err = new java.io.StringWriter();
      int code = FcpMain.run(command, new java.io.PrintWriter(out), new java.io.PrintWriter(err));
      assertThat(code).as("fcp " + String.join(" ", command) + ": " + err).isZero();
      assertThat(out.toString()).as("fcp " + command[0]).isNotBlank();
    }
    java.io.StringWriter summary = new java.io.StringWriter();
    FcpMain.run(new String[] {"summary", file}, new java.io.PrintWriter(summary), new java.io.PrintWriter(
        new java.io.StringWriter()));
    assertThat(summary.toString()).contains("loop2").contains("AARCH64");
  }

  private String fcpFor(String pod) {
    String name = unique("pre");
    fcps.create("dev", name, pod);
    return name;
  }

  static List<CheckpointCall> callsFor(SimulatedNode node, String pod) {
    return node.calls().stream().filter(c -> c.target().contains("/" + pod + "/")).toList();
  }

  /** Events are written after the status they report, so they may trail it by a moment. */
  static void awaitEvents(String fcpName, String... reasons) {
    Awaitility.await("events of " + fcpName).atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(events(fcpName)).contains(reasons));
  }

  static List<String> events(String fcpName) {
    return lab.adminClient().v1().events().inAnyNamespace().list().getItems().stream()
        .filter(e -> fcpName.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
  }
}
