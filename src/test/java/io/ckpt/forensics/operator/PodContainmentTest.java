package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.ContainmentSpec;
import io.ckpt.forensics.api.ContainmentState;
import io.ckpt.forensics.api.ContainmentStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The containment step against an API server (fabric8's CRUD mock): the policy first, then the label,
 * then status and an Event; decided once, so a label removed afterwards stays removed.
 */
@EnableKubernetesMockClient(crud = true)
class PodContainmentTest {

  KubernetesClient client;
  final List<String> eventKeys = new ArrayList<>();
  Pod pod;

  @BeforeEach
  void setUp() {
    pod = client.pods().inNamespace("dev").resource(new PodBuilder().withNewMetadata().withName("web")
        .withNamespace("dev").addToLabels("app", "web").endMetadata().build()).create();
  }

  PodContainment containment(boolean operatorAllows, boolean custody) {
    AlertsConfig alerts = AlertsConfig.fromEnvironment(Map.of(AlertsConfig.ENABLED, "true",
        AlertsConfig.TLS_CERT_FILE, "c", AlertsConfig.TLS_KEY_FILE, "k", AlertsConfig.TOKEN_FILE, "t",
        AlertsConfig.CONTAINMENT_ENABLED, String.valueOf(operatorAllows)));
    return new PodContainment(client, alerts, custody, new StatusRecorder(client, Clock.systemUTC()),
        new CheckpointEvents(client, Clock.systemUTC(), "test", (key, task) -> eventKeys.add(key)),
        Clock.systemUTC());
  }

  void policy(boolean contain) {
    CheckpointPolicy policy = new CheckpointPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("shells").withNamespace("dev").build());
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    ContainmentSpec containment = new ContainmentSpec();
    containment.setEnabled(contain);
    spec.setContainment(containment);
    policy.setSpec(spec);
    client.resources(CheckpointPolicy.class).resource(policy).create();
  }

  ForensicCheckpoint fcp(boolean fromPolicy) {
    ForensicCheckpoint fcp = ContainmentPlannerTest.stored();
    fcp.getMetadata().setUid(null);
    if (fromPolicy) {
      fcp.getMetadata().setLabels(Map.of(CheckpointPolicy.POLICY_LABEL, "shells"));
    }
    fcp.getStatus().setPodUID(pod.getMetadata().getUid());
    ForensicCheckpoint created = client.resources(ForensicCheckpoint.class).resource(fcp).create();
    created.setStatus(fcp.getStatus());
    return client.resources(ForensicCheckpoint.class).resource(created).updateStatus();
  }

  Pod pod() {
    return client.pods().inNamespace("dev").withName("web").get();
  }

  @Test
  void storedEvidenceContainsThePodOnceAndARemovedLabelStaysRemoved() {
    policy(true);
    PodContainment containment = containment(true, true);

    ForensicCheckpoint written = containment.step(fcp(true));

    assertThat(pod().getMetadata().getLabels()).containsEntry(ContainmentStatus.POD_LABEL, "inc42")
        .containsEntry("app", "web");
    NetworkPolicy np = client.network().v1().networkPolicies().inNamespace("dev")
        .withName(ContainmentStatus.NETWORK_POLICY).get();
    assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(np.getSpec().getIngress()).isEmpty();
    assertThat(np.getSpec().getEgress()).isEmpty();
    assertThat(np.getSpec().getPodSelector().getMatchExpressions().get(0).getKey())
        .isEqualTo(ContainmentStatus.POD_LABEL);
    assertThat(np.getMetadata().getLabels()).containsEntry(PodContainment.MANAGED_BY, PodContainment.OPERATOR);
    ContainmentStatus status = written.getStatus().getContainment();
    assertThat(status.getState()).isEqualTo(ContainmentState.Contained);
    assertThat(status.getPod()).isEqualTo("dev/web");
    assertThat(status.getNetworkPolicy()).isEqualTo("dev/" + ContainmentStatus.NETWORK_POLICY);
    assertThat(status.getAt()).isNotBlank();
    assertThat(eventKeys).hasSize(1);

    // someone lifts it; the next pass (a resync, or a restarted operator) finds the decision recorded
    client.pods().inNamespace("dev").withName("web").edit(p -> new PodBuilder(p).editMetadata()
        .removeFromLabels(ContainmentStatus.POD_LABEL).endMetadata().build());
    containment(true, true).step(client.resources(ForensicCheckpoint.class).inNamespace("dev").withName("inc42").get());
    assertThat(pod().getMetadata().getLabels()).doesNotContainKey(ContainmentStatus.POD_LABEL);
    assertThat(eventKeys).hasSize(1);
  }

  @Test
  void aSecondPodInTheNamespaceReusesTheOperatorsNetworkPolicy() {
    policy(true);
    client.network().v1().networkPolicies().inNamespace("dev").resource(PodContainment.denyAll("dev")).create();

    ForensicCheckpoint written = containment(true, true).step(fcp(true));

    assertThat(written.getStatus().getContainment().getState()).isEqualTo(ContainmentState.Contained);
  }

  @Test
  void aForeignNetworkPolicyOfThatNameIsNotTrustedAndThePodIsNotLabelled() {
    policy(true);
    NetworkPolicy foreign = PodContainment.denyAll("dev");
    foreign.getMetadata().setLabels(Map.of());
    client.network().v1().networkPolicies().inNamespace("dev").resource(foreign).create();

    ForensicCheckpoint written = containment(true, true).step(fcp(true));

    assertThat(written.getStatus().getContainment().getState()).isEqualTo(ContainmentState.NotContained);
    assertThat(written.getStatus().getContainment().getMessage()).contains("did not make");
    assertThat(pod().getMetadata().getLabels()).doesNotContainKey(ContainmentStatus.POD_LABEL);
  }

  @Test
  void custodyOffRecordsWhyAndTouchesNothing() {
    policy(true);

    ForensicCheckpoint written = containment(true, false).step(fcp(true));

    assertThat(written.getStatus().getContainment().getState()).isEqualTo(ContainmentState.NotContained);
    assertThat(written.getStatus().getContainment().getMessage()).contains("evidence is not in custody");
    assertThat(pod().getMetadata().getLabels()).doesNotContainKey(ContainmentStatus.POD_LABEL);
    assertThat(client.network().v1().networkPolicies().inNamespace("dev").list().getItems()).isEmpty();
    assertThat(eventKeys).hasSize(1);
  }

  @Test
  void aPolicyWithoutContainmentOrAnObjectWithoutAPolicyIsLeftAlone() {
    policy(false);

    assertThat(containment(true, true).step(fcp(true)).getStatus().getContainment()).isNull();
    client.resources(ForensicCheckpoint.class).inNamespace("dev").withName("inc42").delete();
    assertThat(containment(true, true).step(fcp(false)).getStatus().getContainment()).isNull();
    assertThat(pod().getMetadata().getLabels()).doesNotContainKey(ContainmentStatus.POD_LABEL);
    assertThat(eventKeys).isEmpty();
  }

  @Test
  void aReplacedPodIsNotContained() {
    policy(true);
    ForensicCheckpoint fcp = fcp(true);
    fcp.getStatus().setPodUID("the-pod-that-was-checkpointed");

    ForensicCheckpoint written = containment(true, true).step(fcp);

    assertThat(written.getStatus().getContainment().getMessage()).contains("replaced");
    assertThat(pod().getMetadata().getLabels()).doesNotContainKey(ContainmentStatus.POD_LABEL);
  }
}
