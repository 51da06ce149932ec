package io.ckpt.forensics.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The happy path on a real k3s (kubelet, containerd) in Docker. Runs only where a Docker engine
 * can start the rancher/k3s image; elsewhere it is skipped, and says why.
 */
class K3sHappyPathIT {

  static final String IMAGE = "rancher/k3s:v1.31.4-k3s1";

  @Test
  void checkpointOfARunningPodReachesATerminalPhaseWithAKnownReason() throws Exception {
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      docker = false;
    }
    if (!docker) {
      System.out.println("K3sHappyPathIT skipped: no Docker engine reachable, so the " + IMAGE
          + " container cannot run here (the cluster tests in the lab cover the same path)");
    }
    assumeTrue(docker, "no Docker engine reachable: k3s test skipped");

    try (K3sContainer k3s = new K3sContainer(DockerImageName.parse(IMAGE))) {
      k3s.start();
      Config config = Config.fromKubeconfig(k3s.getKubeConfigYaml());
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        Path crd = Path.of(System.getProperty("project.root", "."), "crd",
            "forensiccheckpoints.forensics.ckpt.io-v1.yml");
        client.load(crd.toFile().toURI().toURL().openStream()).serverSideApply();
        client.pods().inNamespace("default").resource(new PodBuilder()
            .withMetadata(new ObjectMetaBuilder().withName("sleeper").build())
            .withNewSpec().addNewContainer().withName("app").withImage("busybox:1.36")
            .withCommand("sleep", "3600").endContainer().endSpec().build()).create();
        client.pods().inNamespace("default").withName("sleeper")
            .waitUntilCondition(p -> p != null && "Running".equals(p.getStatus().getPhase()), 5,
                java.util.concurrent.TimeUnit.MINUTES);

        try (var operator = OperatorMain.start(OperatorConfig.fromEnvironment(Map.of(
            OperatorConfig.WATCH_NAMESPACES, "default", OperatorConfig.DEFAULT_TIMEOUT_SECONDS, "120",
            OperatorConfig.HEALTH_PORT, "0")), config)) {
          ForensicCheckpoint fcp = new ForensicCheckpoint();
          fcp.setMetadata(new ObjectMetaBuilder().withName("k3s-happy").withNamespace("default").build());
          ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
          spec.setPodName("sleeper");
          spec.setContainers(List.of("app"));
          fcp.setSpec(spec);
          client.resource(fcp).create();

          ForensicCheckpoint done = Awaitility.await().atMost(Duration.ofMinutes(5)).until(
              () -> client.resources(ForensicCheckpoint.class).inNamespace("default").withName("k3s-happy").get(),
              f -> f.getStatus() != null && f.getStatus().getPhase() != null && f.getStatus().getPhase().isTerminal());

          var container = done.getStatus().getContainers().get(0);
          if (done.getStatus().getPhase() == CheckpointPhase.Succeeded) {
            assertThat(container.getArchivePath()).startsWith("/var/lib/rancher/k3s/agent/kubelet/checkpoints/")
                .contains("checkpoint-sleeper_default-app-");
          } else {
            // the k3s image has no CRIU: the runtime's refusal must be recognised, not a generic error
            System.out.println("K3sHappyPathIT: k3s answered " + container.getFailure());
            assertThat(container.getFailure().getReason())
                .isIn(FailureReason.CRIUFailed, FailureReason.RuntimeUnsupported);
          }
        }
      }
    }
  }
}
