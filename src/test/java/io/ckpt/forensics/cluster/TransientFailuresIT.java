package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A kubelet that refuses connections for a moment: the call never reached it, so the operator
 * sends it again after a backoff, records the retries in status, and the kubelet sees one call.
 */
class TransientFailuresIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("transient-it").nodes(1), Map.of());
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  @BeforeAll
  static void useCluster() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
    kubeletCa = CLUSTER.kubeletCaFile();
    tokenFile = CLUSTER.tokenFile();
  }

  static final Duration WAIT = Duration.ofSeconds(60);
  static Path kubeletCa;
  static Path tokenFile;

  @Test
  void throughTheProxyARefusedDialIsRetriedUntilTheKubeletAnswers() throws Exception {
    chart.upgrade(Map.of("transport", "proxy"));
    refusedThenBack("proxy", "via-proxy");
  }

  @Test
  void directARefusedConnectionIsRetriedUntilTheKubeletAnswers() throws Exception {
    chart.upgrade(Map.of("transport", "direct"));
    refusedThenBack("direct", "direct");
  }

  private void refusedThenBack(String transport, String namespace) throws Exception {
    SimulatedNode node = lab.node(1);
    lab.createRunningPod(namespace, "web", node, "app");
    OperatorConfig settings = OperatorConfig.fromEnvironment(Map.of(OperatorConfig.WATCH_NAMESPACES, namespace,
        OperatorConfig.HEALTH_PORT, "0", OperatorConfig.TRANSPORT, transport,
        OperatorConfig.KUBELET_CA_FILE, kubeletCa.toString(), OperatorConfig.TOKEN_FILE, tokenFile.toString(),
        OperatorConfig.RETRY_LIMIT, "5", OperatorConfig.RETRY_BACKOFF_MILLIS, "400",
        OperatorConfig.KUBELET_SERVICE_ACCOUNT, ChartRelease.CHECKPOINTER_ACCOUNT));
    node.makeUnreachable();
    try (OperatorMain.Running operator = OperatorMain.start(settings, chart.operatorClientConfig())) {
      fcps.create(namespace, "flaky", "web", "app");
      // backoffs 0.4 s, 0.8 s, 1.6 s, 3.2 s, 3.2 s: come back during the third wait. Not a wait for a
      // condition: the outage's length, measured against the backoff, is the scenario under test.
      Thread.sleep(1_800);
      node.makeReachable();
      ForensicCheckpoint done = fcps.awaitTerminal(namespace, "flaky", WAIT);

      assertThat(done.getStatus().getPhase()).as(done.getStatus().getMessage()).isEqualTo(CheckpointPhase.Succeeded);
      ContainerCheckpointStatus app = Checkpoints.container(done, "app");
      assertThat(app.getRetries()).isBetween(2, 5);
      assertThat(app.getAttempts()).as("retries before the kubelet are not attempts").isEqualTo(1);
      assertThat(app.getNote()).contains("automatic retries after transient failures that never reached the kubelet");
      assertThat(CheckpointIT.callsFor(node, "web").stream().filter(c -> c.target().contains("/" + namespace + "/")))
          .as("the kubelet received exactly one call").hasSize(1);
    }
  }
}
