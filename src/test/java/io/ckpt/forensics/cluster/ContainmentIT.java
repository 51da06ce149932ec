package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainmentSpec;
import io.ckpt.forensics.api.ContainmentState;
import io.ckpt.forensics.api.ContainmentStatus;
import io.ckpt.forensics.api.FalcoSelector;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.AlertsConfig;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Containment end to end (issue 15): the chart installed with alerts, evidence custody and
 * alerts.containment.enabled; the operator runs as its ServiceAccount. A ForensicCheckpoint of a policy
 * that asks for containment labels its pod and makes the namespace's deny-all NetworkPolicy only after
 * EvidenceStored is True; one of a policy that does not ask touches nothing. The lab's API server stores
 * NetworkPolicies but nothing enforces them (no network plugin): this shows the objects, not isolation.
 * The objects are created as an admin with the policy label, as the receiver would (AlertPolicyIT shows
 * the receiver's part); AlertPolicyIT also shows RBAC refusing both rights without the chart value.
 */
class ContainmentIT {

  /** A merge patch that adds the containment label: what the operator may do only with containment. */
  static final String LABEL_PATCH = "{\"metadata\":{\"labels\":{\"" + ContainmentStatus.POD_LABEL + "\":\"x\"}}}";

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("containment-it").nodes(1), values());

  static Lab lab;
  static OperatorMain.Running operator;

  static Map<String, Object> values() {
    Map<String, Object> values = new HashMap<>(AlertSender.chartValues());
    values.putAll(Map.of("evidence.store", "file", "evidence.pvc", CollectionIT.CLAIM, "evidence.signingKeySecret",
        CollectionIT.SIGNING_SECRET, "alerts.containment.enabled", "true"));
    return values;
  }

  /** The operator's NetworkPolicy as PodContainment makes it (that class is package-private). */
  static NetworkPolicy denyAll(String namespace) {
    return new NetworkPolicyBuilder().withNewMetadata().withName(ContainmentStatus.NETWORK_POLICY)
        .withNamespace(namespace).endMetadata().withNewSpec().withNewPodSelector().endPodSelector()
        .withPolicyTypes(List.of("Ingress", "Egress")).endSpec().build();
  }

  @BeforeAll
  static void start() throws Exception {
    lab = CLUSTER.lab();
    if (lab == null) {
      return;
    }
    CollectionIT.signingKeySecret(lab);
    AlertSender sender = new AlertSender(lab);
    Map<String, String> env = sender.environment();
    env.putAll(CollectionIT.env());
    env.put(AlertsConfig.CONTAINMENT_ENABLED, "true");
    operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(env));
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  static void policy(String namespace, String name, boolean contain) {
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    spec.setFalco(new FalcoSelector());
    ContainmentSpec containment = new ContainmentSpec();
    containment.setEnabled(contain);
    spec.setContainment(containment);
    AlertSender.createPolicy(lab, namespace, name, spec);
  }

  static ForensicCheckpoint create(String namespace, String name, String policy, String pod) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
        .addToLabels(CheckpointPolicy.POLICY_LABEL, policy).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName(pod);
    spec.setContainers(List.of("app"));
    fcp.setSpec(spec);
    return lab.adminClient().resources(ForensicCheckpoint.class).resource(fcp).create();
  }

  static boolean evidenceStored(ForensicCheckpoint fcp) {
    var c = fcp == null || fcp.getStatus() == null ? null
        : Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
    return c != null && "True".equals(c.getStatus());
  }

  static void namespaceWithPod(String namespace, String pod) {
    lab.adminClient().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName(namespace).endMetadata().build()).create();
    lab.createRunningPod(namespace, pod, lab.nodes().get(0), "app");
  }

  static Pod pod(String namespace, String name) {
    return lab.adminClient().pods().inNamespace(namespace).withName(name).get();
  }

  static NetworkPolicy networkPolicy(String namespace) {
    return lab.adminClient().network().v1().networkPolicies().inNamespace(namespace)
        .withName(ContainmentStatus.NETWORK_POLICY).get();
  }

  @Test
  void thePodIsLabelledAndIsolatedOnlyAfterItsEvidenceIsStored() {
    namespaceWithPod("contain", "suspect");
    policy("contain", "shells", true);
    create("contain", "inc1", "shells", "suspect");

    AtomicBoolean labelBeforeEvidence = new AtomicBoolean();
    AtomicBoolean sawCollecting = new AtomicBoolean();
    ForensicCheckpoint done = Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          // the pod first, then the object: a label seen must be backed by stored evidence read after it
          boolean labelled = pod("contain", "suspect").getMetadata().getLabels()
              .containsKey(ContainmentStatus.POD_LABEL);
          boolean policyThere = networkPolicy("contain") != null;
          ForensicCheckpoint now = CLUSTER.fcps().get("contain", "inc1");
          if ((labelled || policyThere) && !evidenceStored(now)) {
            labelBeforeEvidence.set(true);
          }
          if (!labelled && !evidenceStored(now) && now.getStatus() != null && now.getStatus().getPhase() != null) {
            sawCollecting.set(true);
          }
          return now;
        }, now -> now.getStatus() != null && now.getStatus().getContainment() != null);

    assertThat(labelBeforeEvidence).as("label or NetworkPolicy seen before EvidenceStored True").isFalse();
    assertThat(sawCollecting).as("the poll saw the object before it was contained").isTrue();
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(evidenceStored(done)).isTrue();
    ContainmentStatus status = done.getStatus().getContainment();
    assertThat(status.getState()).as(status.getMessage()).isEqualTo(ContainmentState.Contained);
    assertThat(status.getPod()).isEqualTo("contain/suspect");
    assertThat(status.getNetworkPolicy()).isEqualTo("contain/" + ContainmentStatus.NETWORK_POLICY);
    assertThat(pod("contain", "suspect").getMetadata().getLabels()).containsEntry(ContainmentStatus.POD_LABEL, "inc1");
    NetworkPolicy np = networkPolicy("contain");
    assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(np.getSpec().getIngress()).isNullOrEmpty();
    assertThat(np.getSpec().getEgress()).isNullOrEmpty();
    assertThat(np.getSpec().getPodSelector().getMatchExpressions()).singleElement()
        .satisfies(e -> assertThat(e.getKey()).isEqualTo(ContainmentStatus.POD_LABEL));
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lab.adminClient().v1().events()
        .inNamespace("contain").list().getItems()).extracting(Event::getReason).contains("Contained"));
  }

  @Test
  void aPolicyWithoutContainmentLeavesThePodAlone() {
    namespaceWithPod("observe", "suspect");
    policy("observe", "watch-only", false);
    create("observe", "inc2", "watch-only", "suspect");

    ForensicCheckpoint done = CLUSTER.fcps().await("observe", "inc2", Duration.ofSeconds(120),
        ContainmentIT::evidenceStored);

    // the containment step runs in the pass that writes EvidenceStored, or the next: give it time to act
    Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
        networkPolicy("observe") == null && !pod("observe", "suspect").getMetadata().getLabels()
            .containsKey(ContainmentStatus.POD_LABEL));
    assertThat(CLUSTER.fcps().get("observe", "inc2").getStatus().getContainment()).isNull();
  }

  @Test
  void withTheChartValueTheOperatorMayMakeTheNetworkPolicyAndLabelPods() {
    namespaceWithPod("rights", "p");
    try (KubernetesClient asOperator = new KubernetesClientBuilder().withConfig(CLUSTER.chart().operatorClientConfig())
        .build()) {
      assertThat(asOperator.network().v1().networkPolicies().inNamespace("rights").resource(denyAll("rights"))
          .dryRun().create()).isNotNull();
      assertThat(asOperator.pods().inNamespace("rights").withName("p").dryRun().patch(LABEL_PATCH)).isNotNull();
    }
  }
}
