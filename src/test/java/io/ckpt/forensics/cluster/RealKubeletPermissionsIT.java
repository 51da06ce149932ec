package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RealKubeletNode;
import io.ckpt.forensics.operator.OperatorMain;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API server's kubelet client without rights on nodes/checkpoint (as on clusters that bind it
 * only to system:kubelet-api-admin), against the kubelet's own authorizer: the kubelet's 403 reaches
 * the operator through the proxy, and the chart's optional binding fixes it.
 */
class RealKubeletPermissionsIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("real-permissions-it").nodes(0)
      .realNodes(1).apiServerKubeletClientWithoutGroups(), Map.of());
  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void theKubeletRefusesTheApiServersIdentityUntilTheChartBindsIt() {
    Lab lab = CLUSTER.lab();
    Checkpoints fcps = CLUSTER.fcps();
    RealKubeletNode node = lab.realNode(1);
    lab.createRunningPod("dev", "app-pod", node, "app");
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(ChartRelease.testConfig())) {
      fcps.create("dev", "refused", "app-pod", "app");
      ForensicCheckpoint refused = fcps.awaitTerminal("dev", "refused", WAIT);

      var failure = Checkpoints.container(refused, "app").getFailure();
      assertThat(failure.getReason()).as(String.valueOf(failure)).isEqualTo(FailureReason.Forbidden);
      assertThat(failure.getHttpStatus()).isEqualTo(403);
      assertThat(failure.getMessage()).contains("kubeletClientBinding.enabled=true")
          .contains("Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes,"
              + " subresource(s)=[checkpoint])");

      CLUSTER.chart().upgrade(Map.of("kubeletClientBinding.enabled", true));
      fcps.create("dev", "granted", "app-pod", "app");
      ForensicCheckpoint granted = fcps.awaitTerminal("dev", "granted", WAIT);

      assertThat(granted.getStatus().getPhase()).as(granted.getStatus().getMessage())
          .isEqualTo(CheckpointPhase.Succeeded);
    }
  }
}
