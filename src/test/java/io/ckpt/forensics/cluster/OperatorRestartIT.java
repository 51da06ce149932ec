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
import io.ckpt.forensics.operator.OperatorMain;
import java.nio.file.Files;
import java.time.Duration;
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

    OperatorProcess first = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-1.log"), Map.of());
    try {
      fcps.create("dev", "killed", "victim", "app");
      fcps.await("dev", "killed", Duration.ofSeconds(60), f -> f.getStatus() != null
          && f.getStatus().container("app").map(c -> c.getPhase() == ContainerPhase.Running).orElse(false));
      // Running is written just before the request leaves; give it time to reach the kubelet,
      // whose dump takes 6 s, so the kill lands in the middle of the call.
      Thread.sleep(1500);
      first.kill();
    } finally {
      first.close();
    }
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
        Thread.sleep(1500);
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
