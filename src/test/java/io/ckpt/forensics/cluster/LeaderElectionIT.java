package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two operator processes as the chart's ServiceAccount electing a leader on a Lease: the leader is
 * killed with SIGKILL while kubelet calls are in flight, the standby takes over within the lease
 * time, every object ends terminal, and a container is checkpointed twice only when its status
 * says so (attempts 2 and a note).
 */
class LeaderElectionIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("leader-it").nodes(2), Map.of());
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  @BeforeAll
  static void useCluster() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
  }

  static final String LEASE = "forensic-checkpoint-operator";
  static final int LEASE_SECONDS = 6;
  static final Map<String, String> ELECTION = Map.of("FCP_LEADER_ELECTION_LEASE", LEASE,
      "FCP_LEADER_ELECTION_NAMESPACE", ChartRelease.NAMESPACE, "FCP_LEASE_DURATION_SECONDS", "" + LEASE_SECONDS,
      "FCP_LEASE_RENEW_DEADLINE_SECONDS", "4", "FCP_LEASE_RETRY_PERIOD_SECONDS", "1");

  static String holder() {
    Lease lease = lab.adminClient().resources(Lease.class).inNamespace(ChartRelease.NAMESPACE).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static String identity(OperatorProcess p) {
    return "local-" + p.pid();
  }

  @Test
  void theStandbyTakesOverFromAKilledLeaderAndNothingIsCheckpointedTwiceUnrecorded() throws Exception {
    List<String> pods = new ArrayList<>();
    for (SimulatedNode node : lab.nodes()) {
      node.setLatency(Duration.ofSeconds(2));
      for (int i = 1; i <= 3; i++) {
        String pod = node.name() + "-app-" + i;
        lab.createRunningPod("ha", pod, node, "app");
        pods.add(pod);
      }
    }
    Path kubeconfig = chart.operatorKubeconfig(lab.runDir().resolve("operator-sa.kubeconfig"));
    Map<String, String> env = new java.util.HashMap<>(ELECTION);
    env.put("HOSTNAME", "local");

    try (OperatorProcess first = OperatorProcess.start(kubeconfig, lab.runDir().resolve("leader-1.log"), env)) {
      Awaitility.await("the first operator leads").atMost(Duration.ofSeconds(60))
          .until(() -> identity(first).equals(holder()));
      try (OperatorProcess second = OperatorProcess.start(kubeconfig, lab.runDir().resolve("leader-2.log"), env)) {
        int firstPort = first.healthPort(Duration.ofSeconds(30));
        int secondPort = second.healthPort(Duration.ofSeconds(30));
        Awaitility.await("the standby is ready with warm informers").atMost(Duration.ofSeconds(30))
            .until(() -> OperatorProcess.get(secondPort, "/readyz").getKey() == 200);
        assertThat(OperatorProcess.get(firstPort, "/readyz").getKey()).isEqualTo(200);
        assertThat(OperatorProcess.get(firstPort, "/metrics").getValue()).contains("fcp_leader 1.0");
        assertThat(OperatorProcess.get(secondPort, "/metrics").getValue()).contains("fcp_leader 0.0");

        for (String pod : pods) {
          fcps.create("ha", pod, pod, "app");
        }
        Awaitility.await("calls in flight").atMost(Duration.ofSeconds(60)).until(() -> pods.stream()
            .map(p -> fcps.get("ha", p)).filter(f -> f.getStatus() != null)
            .flatMap(f -> f.getStatus().getContainers().stream())
            .filter(c -> c.getPhase() == io.ckpt.forensics.api.ContainerPhase.Running).count() >= 2);
        Awaitility.await("two calls reached the kubelets").atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> lab.nodes().stream().mapToInt(SimulatedNode::checkpointsInProgress).sum() >= 2);
        long killedAt = System.nanoTime();
        first.kill();

        Awaitility.await("the standby takes over").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> identity(second).equals(holder()));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        System.err.println("[leader-it] takeover after " + takeover.toMillis() + " ms (lease " + LEASE_SECONDS + " s)");
        assertThat(takeover).as("within the lease time plus one retry period and slack")
            .isLessThanOrEqualTo(Duration.ofSeconds(LEASE_SECONDS + 1 + 3));

        int retried = 0;
        for (String pod : pods) {
          ForensicCheckpoint done = fcps.awaitTerminal("ha", pod, Duration.ofSeconds(120));
          assertThat(done.getStatus().getPhase()).as(pod + ": " + done.getStatus().getMessage() + "\n" + second.log())
              .isEqualTo(CheckpointPhase.Succeeded);
          ContainerCheckpointStatus app = Checkpoints.container(done, "app");
          SimulatedNode node = lab.node(done.getStatus().getNodeName());
          int calls = CheckpointIT.callsFor(node, pod).size();
          assertThat(calls).as(pod + ": every kubelet call is an attempt in status").isEqualTo(app.getAttempts());
          if (app.getAttempts() > 1) {
            retried++;
            assertThat(app.getAttempts()).isEqualTo(2);
            assertThat(app.getNote()).as(pod).contains("interrupted by an operator restart");
          }
        }
        assertThat(retried).as("the calls the killed leader had in flight were retried, and only those")
            .isBetween(1, 2);
        for (SimulatedNode node : lab.nodes()) {
          assertThat(node.sameContainerOverlaps()).isZero();
        }
      }
    }
  }
}
