package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Restart safety with real processes: the operator killed with SIGKILL in the middle of a kubelet
 * call and started again, and the API server restarted while a checkpoint runs.
 */
class OperatorRestartIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("restart-it").nodes(2), Map.of());
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  @BeforeAll
  static void useCluster() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
  }


  @Test
  void operatorKilledMidCheckpointRetriesOnceAndRecordsIt() throws Exception {
    SimulatedNode node = lab.nodes().get(0);
    lab.createRunningPod("dev", "victim", node, "app");
    node.setLatency(Duration.ofSeconds(6));
    var kubeconfig = chart.operatorKubeconfig(lab.runDir().resolve("operator-sa.kubeconfig"));

    // killed once the kubelet is dumping (6 s)
    OperatorProcess first = OperatorProcess.killedMidCall(kubeconfig, lab.runDir().resolve("operator-1.log"), fcps,
        "dev", "killed", "victim", "app", () -> node.checkpointsInProgress() == 1);
    assertThat(first.isAlive()).isFalse();
    // A real kubelet cancels the runtime call when its client hangs up (the request context);
    // the simulated one finishes its dump: wait for that, as for a cancelled dump to end.
    Awaitility.await("the interrupted call ends on the kubelet").atMost(Duration.ofSeconds(20))
        .until(() -> CheckpointIT.callsFor(node, "victim").size() == 1);
    node.setLatency(Duration.ofMillis(200));

    try (OperatorProcess second = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-2.log"),
        Map.of())) {
      ForensicCheckpoint done = fcps.awaitTerminal("dev", "killed", Duration.ofSeconds(90));

      assertThat(done.getStatus().getPhase()).as(second.log()).isEqualTo(CheckpointPhase.Succeeded);
      ContainerCheckpointStatus app = Checkpoints.container(done, "app");
      assertThat(app.getAttempts()).isEqualTo(2);
      assertThat(app.getNote()).contains("interrupted by an operator restart")
          .contains("may have left an archive on node " + node.name());
      assertThat(Files.exists(node.archiveFile(app.getArchivePath()))).isTrue();
      assertThat(CheckpointIT.callsFor(node, "victim")).as("the first call and exactly one retry").hasSize(2);
      assertThat(node.sameContainerOverlaps()).isZero();
    }
  }

  @Test
  void operatorKilledDuringBothAttemptsGivesUpAsInterrupted() throws Exception {
    SimulatedNode node = lab.nodes().get(0);
    lab.createRunningPod("dev", "twice", node, "app");
    node.setLatency(Duration.ofSeconds(6));
    var kubeconfig = chart.operatorKubeconfig(lab.runDir().resolve("operator-sa-twice.kubeconfig"));
    fcps.create("dev", "killed-twice", "twice", "app");

    for (int attempt = 1; attempt <= 2; attempt++) {
      int expected = attempt;
      try (OperatorProcess operator = OperatorProcess.start(kubeconfig,
          lab.runDir().resolve("operator-twice-" + attempt + ".log"), Map.of())) {
        fcps.await("dev", "killed-twice", Duration.ofSeconds(60), f -> f.getStatus() != null
            && f.getStatus().container("app").map(c -> c.getPhase() == ContainerPhase.Running
                && c.getAttempts() == expected).orElse(false));
        Awaitility.await("call " + attempt + " reached the kubelet").atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50)).until(() -> node.checkpointsInProgress() == 1);
        operator.kill();
      }
      Awaitility.await("interrupted call " + attempt + " ends on the kubelet").atMost(Duration.ofSeconds(20))
          .until(() -> CheckpointIT.callsFor(node, "twice").size() == expected);
    }

    try (OperatorProcess third = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-twice-3.log"),
        Map.of())) {
      ForensicCheckpoint done = fcps.awaitTerminal("dev", "killed-twice", Duration.ofSeconds(60));

      ContainerCheckpointStatus app = Checkpoints.container(done, "app");
      assertThat(done.getStatus().getPhase()).as(third.log()).isEqualTo(CheckpointPhase.Failed);
      assertThat(app.getFailure().getReason()).isEqualTo(FailureReason.Interrupted);
      assertThat(app.getFailure().getMessage()).contains("may have left archives on node " + node.name());
      assertThat(app.getAttempts()).isEqualTo(2);
      assertThat(CheckpointIT.callsFor(node, "twice")).as("no third call").hasSize(2);
    } finally {
      node.setLatency(Duration.ZERO);
    }
  }

  @Test
  void apiServerRestartDuringACheckpointLosesNothing() {
    SimulatedNode node = lab.nodes().get(1);
    lab.createRunningPod("shop", "web", node, "app");
    node.setLatency(Duration.ofSeconds(4));
    try (OperatorMain.Running operator = chart.startOperator(ChartRelease.testConfig())) {
      fcps.create("shop", "during-restart", "web", "app");
      fcps.await("shop", "during-restart", Duration.ofSeconds(60), f -> f.getStatus() != null
          && f.getStatus().container("app").map(c -> c.getPhase() == ContainerPhase.Running).orElse(false));

      lab.restartApiServer();
      ForensicCheckpoint done = fcps.awaitTerminal("shop", "during-restart", Duration.ofSeconds(120));

      ContainerCheckpointStatus app = Checkpoints.container(done, "app");
      // The call was in flight through the proxy when the API server went away: the kubelet may
      // have finished, but the answer was lost, so it is recorded as NodeUnreachable, never retried.
      if (done.getStatus().getPhase() == CheckpointPhase.Succeeded) {
        assertThat(app.getArchivePath()).isNotBlank();
      } else {
        assertThat(app.getFailure().getReason()).as(app.getFailure().toString())
            .isEqualTo(FailureReason.NodeUnreachable);
      }
      assertThat(app.getAttempts()).as("never retried automatically").isEqualTo(1);

      // and the operator still works after the restart, without being restarted itself
      fcps.create("shop", "after-restart", "web", "app");
      node.setLatency(Duration.ZERO);
      assertThat(fcps.awaitTerminal("shop", "after-restart", Duration.ofSeconds(90)).getStatus().getPhase())
          .isEqualTo(CheckpointPhase.Succeeded);
    }
  }

  /**
   * Direct transport, so that calls in flight finish while the API server is away: their results
   * can only be written 30 s later, and objects queued behind them can only start then. Nothing may
   * be lost, repeated or left unfinished, and the operator is not restarted.
   */
  @Test
  void apiServerAwayForThirtySecondsLosesNothingAndRepeatsNothing() throws Exception {
    SimulatedNode first = lab.node(1);
    SimulatedNode second = lab.node(2);
    lab.createRunningPod("outage", "one", first, "app");
    lab.createRunningPod("outage", "two", second, "app", "sidecar");
    Path kubeletCa = Files.writeString(lab.runDir().resolve("outage-kubelet-ca.crt"), lab.kubeletCaPem());
    Path token = Files.writeString(lab.runDir().resolve("outage-token"),
        lab.mintToken(ChartRelease.NAMESPACE, ChartRelease.SERVICE_ACCOUNT));
    OperatorConfig direct = OperatorConfig.fromEnvironment(Map.of(OperatorConfig.WATCH_NAMESPACES, "outage",
        OperatorConfig.HEALTH_PORT, "0", OperatorConfig.TRANSPORT, "direct",
        OperatorConfig.KUBELET_CA_FILE, kubeletCa.toString(), OperatorConfig.TOKEN_FILE, token.toString(),
        OperatorConfig.KUBELET_SERVICE_ACCOUNT, ChartRelease.CHECKPOINTER_ACCOUNT));
    chart.upgrade(Map.of("transport", "direct"));
    first.setLatency(Duration.ofSeconds(6));
    second.setLatency(Duration.ofSeconds(6));
    // Fabric8 re-sends a failed request for about 20 s by default; without that, what carries the
    // objects through the outage is the operator's own retry and sweep, which is what is tested
    Config noClientRetries = new ConfigBuilder(chart.operatorClientConfig()).withRequestRetryBackoffLimit(0).build();
    try (OperatorMain.Running operator = OperatorMain.start(direct, noClientRetries)) {
      fcps.create("outage", "in-flight", "one", "app");
      // two containers on one node, one call per node at a time: "sidecar" waits behind "app"
      fcps.create("outage", "queued", "two");
      fcps.await("outage", "in-flight", Duration.ofSeconds(60), f -> f.getStatus() != null
          && f.getStatus().container("app").map(c -> c.getPhase() == ContainerPhase.Running).orElse(false));
      fcps.await("outage", "queued", Duration.ofSeconds(60), f -> f.getStatus() != null
          && f.getStatus().getContainers().stream().anyMatch(c -> c.getPhase() == ContainerPhase.Running));
      fcps.create("outage", "unseen", "one", "app");
      // Running is written just before the request leaves; the kubelets still ask the API server
      // (TokenReview, SubjectAccessReview) before they dump: stop it only once both are dumping
      Awaitility.await("both calls reached the kubelets' runtime").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> first.checkpointsInProgress() == 1 && second.checkpointsInProgress() == 1);

      lab.stopApiServer();
      long stopped = System.nanoTime();
      try {
        Awaitility.await("the calls in flight finish on the kubelets during the outage")
            .atMost(Duration.ofSeconds(20)).until(() -> CheckpointIT.callsFor(first, "one").size() == 1
                && CheckpointIT.callsFor(second, "two").size() == 1);
        // not a wait for a condition: a 30 s outage is the scenario under test
        Thread.sleep(Math.max(0, Duration.ofSeconds(30).toMillis() - (System.nanoTime() - stopped) / 1_000_000));
      } finally {
        lab.startApiServer();
      }
      first.setLatency(Duration.ZERO);
      second.setLatency(Duration.ZERO);

      for (String name : List.of("in-flight", "queued", "unseen")) {
        ForensicCheckpoint done = fcps.awaitTerminal("outage", name, Duration.ofSeconds(120));
        assertThat(done.getStatus().getPhase()).as(name + ": " + done.getStatus().getMessage())
            .isEqualTo(CheckpointPhase.Succeeded);
        assertThat(done.getStatus().getContainers()).as(name).allSatisfy(c -> {
          assertThat(c.getAttempts()).as(name + "/" + c.getName() + " attempts").isEqualTo(1);
          assertThat(c.getNote()).as(name + "/" + c.getName() + " note").isNull();
        });
      }
      assertThat(CheckpointIT.callsFor(first, "one")).as("in-flight and unseen, once each").hasSize(2);
      assertThat(CheckpointIT.callsFor(second, "two")).as("app and sidecar, once each").hasSize(2);
      String recorded = Checkpoints.container(fcps.get("outage", "in-flight"), "app").getArchivePath();
      assertThat(Files.exists(first.archiveFile(recorded))).as("the archive the kubelet wrote during the outage")
          .isTrue();
    } finally {
      first.setLatency(Duration.ZERO);
      second.setLatency(Duration.ZERO);
      chart.upgrade(Map.of("transport", "proxy"));
    }
  }

  @Test
  void readinessFollowsTheInformersThroughAnApiServerOutage() throws Exception {
    try (OperatorMain.Running operator = chart.startOperator(ChartRelease.testConfig())) {
      int port = operator.healthPort();
      Awaitility.await("ready").atMost(Duration.ofSeconds(30))
          .until(() -> OperatorProcess.get(port, "/readyz").getKey() == 200);

      lab.stopApiServer();
      try {
        Awaitility.await("not ready while the API server is down").atMost(Duration.ofSeconds(60))
            .until(() -> OperatorProcess.get(port, "/readyz").getKey() == 503);
        assertThat(OperatorProcess.get(port, "/healthz").getKey()).as("alive all the same").isEqualTo(200);
      } finally {
        lab.startApiServer();
      }
      Awaitility.await("ready again without a restart").atMost(Duration.ofSeconds(60))
          .until(() -> OperatorProcess.get(port, "/readyz").getKey() == 200);
    }
  }
}
