package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RealKubeletNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator killed with SIGKILL in the middle of a call to a real kubelet, then started again
 * ({@link OperatorRestartIT} does the same against a simulated node). The real kubelet's request
 * context ends when the API server's proxy connection closes, and the kubelet cancels its CRI call
 * with it: the runtime sees Canceled. The lab's fake runtime then stops (a real one may finish its
 * dump; the simulated node does), so here the retry is the only checkpoint that writes an archive.
 */
class RealKubeletRestartIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("real-restart-it").nodes(0).realNodes(1),
      Map.of());

  @Test
  void operatorKilledMidCheckpointRetriesOnceAndTheKubeletCancelsTheFirstCall() throws Exception {
    Lab lab = CLUSTER.lab();
    Checkpoints fcps = CLUSTER.fcps();
    RealKubeletNode node = lab.realNode(1);
    lab.createRunningPod("dev", "victim", node, "app");
    node.delayCheckpoints(Duration.ofSeconds(20));
    var kubeconfig = CLUSTER.chart().operatorKubeconfig(lab.runDir().resolve("operator-sa.kubeconfig"));

    OperatorProcess first = OperatorProcess.killedMidCall(kubeconfig, lab.runDir().resolve("operator-1.log"), fcps,
        "dev", "killed", "victim", "app", () -> node.checkpointsInProgress() == 1);
    assertThat(first.isAlive()).isFalse();
    Awaitility.await("the kubelet cancels the runtime's call").atMost(Duration.ofSeconds(15))
        .until(() -> node.checkpointsInProgress() == 0);
    assertThat(node.runtimeCalls()).singleElement().satisfies(call ->
        assertThat(call.outcome()).as("the first call, cancelled with its request").contains("code = Canceled"));
    node.clearFaults();

    try (OperatorProcess second = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-2.log"),
        Map.of())) {
      ForensicCheckpoint done = fcps.awaitTerminal("dev", "killed", Duration.ofSeconds(90));

      assertThat(done.getStatus().getPhase()).as(second.log()).isEqualTo(CheckpointPhase.Succeeded);
      ContainerCheckpointStatus app = Checkpoints.container(done, "app");
      assertThat(app.getAttempts()).isEqualTo(2);
      assertThat(app.getNote()).contains("interrupted by an operator restart");
      assertThat(Files.exists(node.archiveFile(app.getArchivePath()))).isTrue();
      assertThat(node.runtimeCalls()).as("the cancelled call and exactly one retry").hasSize(2)
          .last().satisfies(call -> assertThat(call.outcome()).isEqualTo("ok"));
    }
  }
}
