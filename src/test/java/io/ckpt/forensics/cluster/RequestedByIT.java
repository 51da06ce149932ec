package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.OnBehalfOf;
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
 * only the validating policy is in force, a forged value is refused. onBehalfOf is written only for
 * the operator's own ServiceAccount creating an object labelled with a CheckpointPolicy.
 */
class RequestedByIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("requested-by-it").nodes(1), Map.of());
  static final String NS = "ir";
  static final String POLICY = ChartRelease.RELEASE + "-operator-requested-by";
  static final ResourceDefinitionContext MUTATING_BINDING = new ResourceDefinitionContext.Builder()
      .withGroup("admissionregistration.k8s.io").withVersion("v1").withKind("MutatingAdmissionPolicyBinding")
      .withPlural("mutatingadmissionpolicybindings").withNamespaced(false).build();
  static final String OPERATOR = "system:serviceaccount:" + ChartRelease.NAMESPACE + ":"
      + ChartRelease.SERVICE_ACCOUNT;
  static final String ALERT = "{\"source\":\"falco\",\"rule\":\"Terminal shell in container\","
      + "\"priority\":\"Notice\",\"time\":\"2026-12-01T06:00:00Z\",\"fields\":{}}";
  static Lab lab;
  static KubernetesClient alice;
  static KubernetesClient operator;

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
    // the operator's ServiceAccount with its own token; create rights here come from this binding (the
    // chart grants them only with alerts.enabled), admission is what is under test
    lab.adminClient().rbac().roleBindings().inNamespace(NS).resource(new RoleBindingBuilder().withNewMetadata()
        .withName("operator-checkpoints").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName(ChartRelease.RELEASE + "-operator-admin").endRoleRef().addNewSubject()
        .withKind("ServiceAccount").withName(ChartRelease.SERVICE_ACCOUNT).withNamespace(ChartRelease.NAMESPACE)
        .endSubject().build()).create();
    operator = lab.client(CLUSTER.chart().operatorClientConfig());
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
  void theOperatorsAlertCheckpointIsOnBehalfOfThePolicyAndTheAlert() {
    awaitTheMutatingPolicy();
    ForensicCheckpoint fcp = alertCheckpoint("for-policy", new OnBehalfOf("CheckpointPolicy", "forged", "{}"));

    ForensicCheckpoint created = Awaitility.await().atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(KubernetesClientException.class) // until the new RoleBinding is in force
        .until(() -> operator.resources(ForensicCheckpoint.class).inNamespace(NS).resource(fcp).dryRun().create(),
            c -> true);

    RequestedBy by = created.getSpec().getRequestedBy();
    assertThat(by.getUsername()).isEqualTo(OPERATOR);
    assertThat(by.getOnBehalfOf()).as("from the label and annotation, not from what the creator wrote")
        .isEqualTo(new OnBehalfOf(OnBehalfOf.POLICY_KIND, "terminal-shell", ALERT));
  }

  @Test
  void onlyTheOperatorWithThePolicyLabelIsOnBehalfOfAnyone() {
    awaitTheMutatingPolicy();
    ForensicCheckpoint unlabelled = fcp("operator-unlabelled", null);
    unlabelled.getSpec().setRequestedBy(new RequestedBy(OPERATOR, null, List.of()));
    unlabelled.getSpec().getRequestedBy().setOnBehalfOf(new OnBehalfOf("CheckpointPolicy", "terminal-shell", ALERT));
    ForensicCheckpoint byOperator = Awaitility.await().atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(KubernetesClientException.class)
        .until(() -> operator.resources(ForensicCheckpoint.class).inNamespace(NS).resource(unlabelled).dryRun()
            .create(), c -> true);
    assertThat(byOperator.getSpec().getRequestedBy().getUsername()).isEqualTo(OPERATOR);
    assertThat(byOperator.getSpec().getRequestedBy().getOnBehalfOf()).as("no policy label").isNull();

    ForensicCheckpoint byAlice = alice.resources(ForensicCheckpoint.class).inNamespace(NS)
        .resource(alertCheckpoint("alice-as-policy", new OnBehalfOf("CheckpointPolicy", "terminal-shell", ALERT)))
        .create();
    assertThat(byAlice.getSpec().getRequestedBy().getUsername()).isEqualTo("alice");
    assertThat(byAlice.getSpec().getRequestedBy().getOnBehalfOf()).as("a person's label names no requester").isNull();

    ForensicCheckpoint changed = lab.adminClient().resources(ForensicCheckpoint.class).inNamespace(NS)
        .withName("alice-as-policy").get();
    changed.getSpec().getRequestedBy().setOnBehalfOf(new OnBehalfOf("CheckpointPolicy", "terminal-shell", ALERT));
    assertThatThrownBy(() -> lab.adminClient().resources(ForensicCheckpoint.class).inNamespace(NS).resource(changed)
        .update()).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec is immutable");
        });
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
    awaitTheMutatingPolicy();
    RequestedBy aliceAsAuthenticated = alice.resources(ForensicCheckpoint.class).inNamespace(NS)
        .resource(fcp("who-is-alice", null)).dryRun().create().getSpec().getRequestedBy();
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

      ForensicCheckpoint aliceAsPolicy = alertCheckpoint("alice-forges-behalf",
          new OnBehalfOf("CheckpointPolicy", "terminal-shell", ALERT));
      aliceAsPolicy.getSpec().getRequestedBy().setUsername(aliceAsAuthenticated.getUsername());
      aliceAsPolicy.getSpec().getRequestedBy().setUid(aliceAsAuthenticated.getUid());
      aliceAsPolicy.getSpec().getRequestedBy().setGroups(aliceAsAuthenticated.getGroups());
      assertThatThrownBy(() -> alice.resources(ForensicCheckpoint.class).inNamespace(NS).resource(aliceAsPolicy)
          .dryRun().create()).as("her own identity, but on behalf of a policy")
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(403);
            assertThat(e.getMessage()).contains("spec.requestedBy.onBehalfOf is written by the cluster only for the"
                + " operator's own alert checkpoints");
          });
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

  /** What the alert path creates: labelled with the policy, the alert in the annotation, and a claimed onBehalfOf. */
  static ForensicCheckpoint alertCheckpoint(String name, OnBehalfOf claimed) {
    ForensicCheckpoint fcp = fcp(name, "mallory");
    fcp.getMetadata().setLabels(Map.of(CheckpointPolicy.POLICY_LABEL, "terminal-shell"));
    fcp.getMetadata().setAnnotations(Map.of(CheckpointPolicy.ALERT_ANNOTATION, ALERT));
    fcp.getSpec().getRequestedBy().setOnBehalfOf(claimed);
    return fcp;
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
