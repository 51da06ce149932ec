package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RealKubeletNode;
import io.ckpt.forensics.operator.OperatorMain;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The direct transport against the kubelet's own authentication and authorization: the chart
 * installed with transport=direct, whose checkpointer ServiceAccount may only create
 * nodes/checkpoint (no nodes/proxy). The real kubelet reviews the token it gets (TokenReview) and
 * asks the API server whether that account may create nodes/checkpoint (SubjectAccessReview).
 */
class RealKubeletTransportsIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("real-transports-it").nodes(0)
      .realNodes(1), Map.of("transport", "direct"));
  static final Duration WAIT = Duration.ofSeconds(60);

  static OperatorMain.Running start(String namespace, String transport) {
    try {
      return OperatorMain.start(CLUSTER.operatorSettings(namespace, transport, Map.of()),
          CLUSTER.chart().operatorClientConfig());
    } catch (Exception e) {
      throw new AssertionError("operator did not start: " + e.getMessage(), e);
    }
  }

  @Test
  void directSucceedsWithOnlyNodesCheckpointAndProxyIsForbiddenByTheApiServer() {
    Lab lab = CLUSTER.lab();
    Checkpoints fcps = CLUSTER.fcps();
    RealKubeletNode node = lab.realNode(1);
    lab.createRunningPod("direct", "web", node, "app");
    lab.createRunningPod("viaproxy", "web", node, "app");

    try (OperatorMain.Running direct = start("direct", "direct")) {
      fcps.create("direct", "least-privilege", "web", "app");
      ForensicCheckpoint done = fcps.awaitTerminal("direct", "least-privilege", WAIT);

      assertThat(done.getStatus().getPhase()).as(done.getStatus().getMessage()).isEqualTo(CheckpointPhase.Succeeded);
      ContainerCheckpointStatus app = Checkpoints.container(done, "app");
      assertThat(app.getArchivePath()).startsWith(node.rootDir() + "/checkpoints/checkpoint-web_direct-app-");
      assertThat(Files.exists(node.archiveFile(app.getArchivePath()))).isTrue();
    }
    int callsBefore = node.runtimeCalls().size();
    try (OperatorMain.Running proxy = start("viaproxy", "proxy")) {
      fcps.create("viaproxy", "needs-node-proxy", "web", "app");
      ForensicCheckpoint done = fcps.awaitTerminal("viaproxy", "needs-node-proxy", WAIT);

      var failure = Checkpoints.container(done, "app").getFailure();
      assertThat(failure.getReason()).isEqualTo(FailureReason.Forbidden);
      assertThat(failure.getMessage()).contains("nodes/proxy");
      assertThat(node.runtimeCalls()).as("no checkpoint reached the runtime").hasSize(callsBefore);
    }
  }
}
