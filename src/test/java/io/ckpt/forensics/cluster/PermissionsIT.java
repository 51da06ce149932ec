package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Who needs which permission, against real RBAC: the API server's kubelet-client identity without
 * nodes/checkpoint (as on clusters that bind it only to system:kubelet-api-admin), fixed by the
 * chart's optional binding; and an operator identity without nodes/proxy.
 */
class PermissionsIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(
      LabOptions.defaults().name("permissions-it").nodes(1).apiServerKubeletClientWithoutGroups(), Map.of());
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  @BeforeAll
  static void useCluster() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
  }

  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void kubeletRefusesTheApiServersIdentityUntilTheChartBindsIt() {
    SimulatedNode node = lab.nodes().get(0);
    lab.createRunningPod("dev", "app-pod", node, "app");
    try (OperatorMain.Running operator = chart.startOperator(ChartRelease.testConfig())) {
      fcps.create("dev", "refused", "app-pod", "app");
      ForensicCheckpoint refused = fcps.awaitTerminal("dev", "refused", WAIT);

      assertThat(refused.getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
      var failure = Checkpoints.container(refused, "app").getFailure();
      assertThat(failure.getReason()).isEqualTo(FailureReason.Forbidden);
      assertThat(failure.getHttpStatus()).isEqualTo(403);
      assertThat(failure.getMessage()).contains("refused " + Lab.KUBELET_CLIENT_USER)
          .contains("nodes/checkpoint").contains("kubeletClientBinding.enabled=true")
          .contains("Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes,"
              + " subresource(s)=[checkpoint])");

      chart.upgrade(Map.of("kubeletClientBinding.enabled", true));
      fcps.create("dev", "granted", "app-pod", "app");
      ForensicCheckpoint granted = fcps.awaitTerminal("dev", "granted", WAIT);

      assertThat(granted.getStatus().getPhase()).as(granted.getStatus().getMessage())
          .isEqualTo(CheckpointPhase.Succeeded);
    }
  }

  @Test
  void anOperatorWithoutNodesProxyIsToldSo() {
    SimulatedNode node = lab.nodes().get(0);
    lab.createRunningPod("noproxy", "target", node, "app");
    var admin = lab.adminClient();
    ClusterRole chartRole = admin.rbac().clusterRoles().withName("forensic-checkpoint-operator").get();
    ClusterRole withoutProxy = new ClusterRoleBuilder().withNewMetadata().withName("fcp-without-node-proxy")
        .endMetadata().withRules(chartRole.getRules().stream()
            .filter(r -> !r.getResources().contains("nodes/proxy")).toArray(PolicyRule[]::new))
        .build();
    admin.resource(withoutProxy).create();
    lab.createServiceAccount("noproxy", "limited-operator");
    admin.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName("fcp-without-node-proxy")
        .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "fcp-without-node-proxy")
        .addNewSubject().withKind("ServiceAccount").withNamespace("noproxy").withName("limited-operator")
        .endSubject().build()).create();
    var config = lab.tokenConfig(lab.mintToken("noproxy", "limited-operator")).build();
    OperatorConfig settings = OperatorConfig.fromEnvironment(Map.of(OperatorConfig.WATCH_NAMESPACES, "noproxy",
        OperatorConfig.HEALTH_PORT, "0"));

    try (OperatorMain.Running operator = OperatorMain.start(settings, config)) {
      fcps.create("noproxy", "no-proxy", "target", "app");
      ForensicCheckpoint done = fcps.awaitTerminal("noproxy", "no-proxy", WAIT);

      var failure = Checkpoints.container(done, "app").getFailure();
      assertThat(failure.getReason()).isEqualTo(FailureReason.Forbidden);
      assertThat(failure.getMessage()).contains("system:serviceaccount:noproxy:limited-operator")
          .contains("nodes/proxy");
      assertThat(node.calls()).noneMatch(c -> c.target().contains("/noproxy/"));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
