package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.chart.ChartReadme;
import io.ckpt.forensics.lab.CheckpointCall;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One namespace floods the operator with ForensicCheckpoints against slow kubelet answers; a
 * ForensicCheckpoint created afterwards in another namespace starts while most of the flood still
 * waits. Served in arrival order, as before namespaces took turns, it would start only after every
 * one of the flood's.
 */
class NamespaceFairnessIT {

  /** The flood: one object per pod, so that the one-call-per-container rule holds none of them back. */
  static final int FLOOD = 12;
  /** Each call takes this long at the kubelet, so the flood outlasts the other namespace's checkpoint. */
  static final Duration KUBELET_LATENCY = Duration.ofSeconds(2);
  static final Duration WAIT = Duration.ofSeconds(120);
  /** Kubelet calls at once, in total and on the one node. */
  static final int SLOTS = 2;

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("fairness-it").nodes(1), Map.of());

  @Test
  void thePerNamespaceLimitLeavesASlotForAnotherNamespace() {
    // two slots, one per namespace (the default: half the global limit)
    flood("flood-a", "calm-a", Map.of(), 1);
  }

  @Test
  void namespacesTakeTurnsWhenOneCouldHoldEverySlot() {
    // no per-namespace limit: the flood holds both slots, and the calm namespace gets the next one free
    flood("flood-b", "calm-b", Map.of(OperatorConfig.MAX_CONCURRENT_PER_NAMESPACE, Integer.toString(SLOTS)), SLOTS);
  }

  /**
   * Floods {@code flooded}, then creates one object in {@code calm} once the operator has the flood
   * queued, and checks that the calm one started while the flood still waited.
   *
   * @param settings operator settings beyond the {@link #SLOTS} slots
   * @param floodSlots how many of the flood's calls may run at once
   */
  private void flood(String flooded, String calm, Map<String, String> settings, int floodSlots) {
    Lab lab = CLUSTER.lab();
    Checkpoints fcps = CLUSTER.fcps();
    SimulatedNode node = lab.node(1);
    node.setLatency(KUBELET_LATENCY);
    node.clearCalls();
    List<String> pods = IntStream.rangeClosed(1, FLOOD).mapToObj(i -> String.format("p%02d", i)).toList();
    pods.forEach(pod -> lab.createPod(lab.podSpec(flooded, pod, node, "app").build()));
    lab.createPod(lab.podSpec(calm, "web", node, "app").build());
    pods.forEach(pod -> lab.awaitPod(flooded, pod, Lab::isRunningAndReady, WAIT));
    lab.awaitPod(calm, "web", Lab::isRunningAndReady, WAIT);
    Map<String, String> env = new HashMap<>(settings);
    env.put(OperatorConfig.MAX_CONCURRENT, Integer.toString(SLOTS));
    env.put(OperatorConfig.MAX_CONCURRENT_PER_NODE, Integer.toString(SLOTS));
    env.put(OperatorConfig.WATCH_NAMESPACES, flooded + "," + calm);
    env.put(OperatorConfig.HEALTH_PORT, "0");
    env.put(OperatorConfig.DEFAULT_TIMEOUT_SECONDS, "60");

    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(env))) {
      pods.forEach(pod -> fcps.create(flooded, pod, pod, "app"));
      // all of the flood is queued or running: only now does the calm namespace ask
      Awaitility.await("the flood waiting for permits").atMost(WAIT).pollInterval(Duration.ofMillis(50))
          .until(() -> MetricsIT.value(operator.metrics().scrape(), "fcp_checkpoints_waiting", "")
              >= FLOOD - SLOTS);
      fcps.create(calm, "web", "web", "app");

      ForensicCheckpoint calmStarted = fcps.await(calm, "web", WAIT, NamespaceFairnessIT::started);
      long floodStarted = fcps.list(flooded).stream().filter(NamespaceFairnessIT::started).count();
      assertThat(floodStarted).as("flood objects started when the calm one did (%s)",
          Checkpoints.container(calmStarted, "app").getStartedAt()).isLessThanOrEqualTo(floodSlots + 2);

      ForensicCheckpoint calmDone = fcps.awaitTerminal(calm, "web", WAIT);
      List<ForensicCheckpoint> floodDone = fcps.awaitAllTerminal(flooded, FLOOD, WAIT);
      assertThat(calmDone.getStatus().getPhase()).as(calmDone.getStatus().getMessage())
          .isEqualTo(CheckpointPhase.Succeeded);
      assertThat(floodDone).allSatisfy(f -> assertThat(f.getStatus().getPhase()).as(f.getStatus().getMessage())
          .isEqualTo(CheckpointPhase.Succeeded));

      // the kubelet's own record, on one clock: how many of the flood's calls arrived before the calm one's
      List<CheckpointCall> calls = node.calls();
      Instant calmCall = calls.stream().filter(c -> c.target().contains("/" + calm + "/web/"))
          .map(CheckpointCall::start).findFirst()
          .orElseThrow(() -> new AssertionError("no kubelet call for " + calm + "/web in " + calls));
      long floodBefore = calls.stream().filter(c -> c.target().contains("/" + flooded + "/"))
          .filter(c -> c.start().isBefore(calmCall)).count();
      assertThat(floodBefore).as("the flood's calls that reached the kubelet before the calm namespace's (arrival"
          + " order: all %d)", FLOOD).isLessThanOrEqualTo(floodSlots + 2);
      assertThat(node.maxConcurrentCheckpoints()).isLessThanOrEqualTo(SLOTS);
    }
  }

  private static boolean started(ForensicCheckpoint fcp) {
    return fcp.getStatus() != null && fcp.getStatus().container("app").map(c -> c.getStartedAt() != null)
        .orElse(false);
  }

  /**
   * The helm/README.md quota, applied as written (in its own namespace): the API server counts
   * ForensicCheckpoints against it and refuses the one past the limit. The lab has no
   * controller-manager, so the test writes the usage its quota controller would have counted.
   */
  @Test
  void theDocumentedResourceQuotaCapsHowManyObjectsANamespaceHolds() {
    Lab lab = CLUSTER.lab();
    Checkpoints fcps = CLUSTER.fcps();
    KubernetesClient admin = lab.adminClient();
    String namespace = "quota-demo";
    lab.createNamespace(namespace);
    ResourceQuota quota = admin.getKubernetesSerialization().unmarshal(ChartReadme.resourceQuotaExample(),
        ResourceQuota.class);
    quota.getMetadata().setNamespace(namespace);
    quota = admin.resource(quota).create();
    String counted = quota.getSpec().getHard().keySet().iterator().next();
    int hard = quota.getSpec().getHard().get(counted).getNumericalAmount().intValueExact();
    quota.setStatus(new ResourceQuotaStatus(quota.getSpec().getHard(), Map.of(counted, new Quantity(
        Integer.toString(hard - 1)))));
    admin.resource(quota).updateStatus();

    // quota admission reads quotas from its informer: until it has seen the status, it refuses as "status unknown"
    Awaitility.await("quota admission sees the usage").atMost(WAIT).pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsMatching(e -> e.getMessage() != null && e.getMessage().contains("status unknown for quota"))
        .until(() -> fcps.create(namespace, "last-allowed", "web", "app") != null);

    assertThatThrownBy(() -> fcps.create(namespace, "one-too-many", "web", "app"))
        .isInstanceOf(KubernetesClientException.class).hasMessageContaining("exceeded quota: forensiccheckpoints");
  }
}
