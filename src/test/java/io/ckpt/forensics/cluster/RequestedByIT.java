package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.RequestedBy;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec.requestedBy against a real API server with the chart's admission policies: it names the
 * user the API server authenticated, whatever the creator wrote, and nobody can change it; where
 * only the validating policy is in force, a forged value is refused.
 */
class RequestedByIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("requested-by-it").nodes(1), Map.of());
  static final String NS = "ir";
  static final String POLICY = ChartRelease.RELEASE + "-operator-requested-by";
  static final ResourceDefinitionContext MUTATING_BINDING = new ResourceDefinitionContext.Builder()
      .withGroup("admissionregistration.k8s.io").withVersion("v1").withKind("MutatingAdmissionPolicyBinding")
      .withPlural("mutatingadmissionpolicybindings").withNamespaced(false).build();
  static Lab lab;
  static KubernetesClient alice;

  @BeforeAll
  static void aResponder() {
    lab = CLUSTER.lab();
    lab.createRunningPod(NS, "suspect", lab.nodes().get(0), "app");
    // alice may create ForensicCheckpoints in ir through the chart's aggregated admin rights
    lab.adminClient().rbac().roleBindings().inNamespace(NS).resource(new RoleBindingBuilder().withNewMetadata()
        .withName("alice-checkpoints").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName(ChartRelease.RELEASE + "-operator-admin").endRoleRef().addNewSubject()
        .withKind("User").withApiGroup("rbac.authorization.k8s.io").withName("alice").endSubject().build()).create();
    alice = lab.client(lab.adminConfig().withImpersonateUsername("alice").withImpersonateGroups("ir-team").build());
    assertThat(lab.adminClient().genericKubernetesResources(MUTATING_BINDING).withName(POLICY).get())
        .as("the lab's API server (1.36+) serves MutatingAdmissionPolicy, so the chart's auto installs it")
        .isNotNull();
  }

  @Test
  void theCreatorsAuthenticatedIdentityReplacesWhatTheyWrote() {
    awaitTheMutatingPolicy();
    ForensicCheckpoint created = alice.resources(ForensicCheckpoint.class).inNamespace(NS)
        .resource(fcp("forged", "mallory")).create();

    RequestedBy by = created.getSpec().getRequestedBy();
    assertThat(by.getUsername()).isEqualTo("alice");
    assertThat(by.getGroups()).contains("ir-team", "system:authenticated");

    ForensicCheckpoint changed = lab.adminClient().resources(ForensicCheckpoint.class).inNamespace(NS)
        .withName("forged").get();
    changed.getSpec().setRequestedBy(new RequestedBy("mallory", null, List.of()));
    assertThatThrownBy(() -> lab.adminClient().resources(ForensicCheckpoint.class).inNamespace(NS).resource(changed)
        .update()).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec is immutable");
        });
    assertThat(lab.adminClient().resources(ForensicCheckpoint.class).inNamespace(NS).withName("forged").get()
        .getSpec().getRequestedBy().getUsername()).isEqualTo("alice");
  }

  @Test
  void theOperatorSaysWhoAskedInTheRequestedEvent() {
    awaitTheMutatingPolicy();
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(ChartRelease.testConfig())) {
      alice.resources(ForensicCheckpoint.class).inNamespace(NS).resource(fcp("told", null)).create();
      ForensicCheckpoint done = CLUSTER.fcps().awaitTerminal(NS, "told", Duration.ofSeconds(60));
      assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(lab.adminClient().v1().events().inNamespace(NS).list().getItems()).anySatisfy(e -> {
            assertThat(e.getInvolvedObject().getName()).isEqualTo("told");
            assertThat(e.getReason()).isEqualTo("CheckpointRequested");
            assertThat(e.getMessage()).contains("requested by alice");
          }));
    }
  }

  @Test
  void withoutTheMutatingPolicyAForgedIdentityIsRefused() {
    var binding = lab.adminClient().genericKubernetesResources(MUTATING_BINDING).withName(POLICY);
    GenericKubernetesResource saved = binding.get();
    binding.delete();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThatThrownBy(() -> alice.resources(ForensicCheckpoint.class).inNamespace(NS)
              .resource(fcp("forged-again", "mallory")).dryRun().create())
              .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getMessage()).contains("spec.requestedBy is written by the cluster")
                    .contains("must name the creator (alice)");
              }));

      ForensicCheckpoint unattributed = alice.resources(ForensicCheckpoint.class).inNamespace(NS)
          .resource(fcp("unattributed", null)).create();
      assertThat(unattributed.getSpec().getRequestedBy()).as("left out: the record will say unknown").isNull();
    } finally {
      saved.getMetadata().setResourceVersion(null);
      saved.getMetadata().setUid(null);
      lab.adminClient().genericKubernetesResources(MUTATING_BINDING).resource(saved).create();
      awaitTheMutatingPolicy();
    }
  }

  /** Policies take effect shortly after their binding is created: waits until a dry run shows the mutation. */
  static void awaitTheMutatingPolicy() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .ignoreExceptionsInstanceOf(KubernetesClientException.class).untilAsserted(() -> assertThat(alice.resources(ForensicCheckpoint.class).inNamespace(NS).resource(fcp("dry", "mallory"))
            .dryRun().create().getSpec().getRequestedBy().getUsername()).isEqualTo("alice"));
  }

  static ForensicCheckpoint fcp(String name, String claimedUser) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("suspect");
    spec.setReason("requestedBy test");
    if (claimedUser != null) {
      spec.setRequestedBy(new RequestedBy(claimedUser, "0", List.of("system:masters")));
    }
    fcp.setSpec(spec);
    return fcp;
  }
}
