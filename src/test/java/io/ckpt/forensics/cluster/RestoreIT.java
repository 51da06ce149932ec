package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreSpec;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.RestorePhase;
import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.ckpt.forensics.operator.RestoreConfig;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sandbox restore end to end (issue 16 section 2), with the chart installed with restore.enabled and the
 * operator running as its ServiceAccount, so the chart's RBAC is what is tested. worker-1 is listed in
 * restore.nodes; worker-2 reports containerd 1.7 (cannot restore), worker-3 containerd 2.1 but is not listed.
 * The lab's nodes cannot run CRIU: a simulated node reports the sandbox pod Running without running
 * anything, so this checks the pod the operator produced (isolation, image, node) and the status that
 * follows it, not a restored process. Nothing enforces NetworkPolicies in the lab (no network plugin):
 * the policy object is checked, not isolation.
 */
class RestoreIT {

  static final String NS = "dev";
  static final String IMAGE = "registry.lab:5000/ckpt/nettools@sha256:"
      + "4f3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e";

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("restore-it").nodes(3)
      .containerRuntimeVersion("worker-2", "containerd://1.7.27"), Map.of("restore.enabled", "true",
      "restore.nodes[0]", "worker-1"));

  static Lab lab;
  static OperatorMain.Running operator;

  @BeforeAll
  static void start() {
    lab = CLUSTER.lab();
    if (lab == null) {
      return;
    }
    lab.adminClient().resource(new RuntimeClassBuilder().withNewMetadata().withName("gvisor").endMetadata()
        .withHandler("runsc").build()).create();
    lab.createPod(lab.podSpec(NS, "nettools", lab.node("worker-1"), "nettools").editMetadata()
        .addToLabels("app", "nettools").endMetadata().build());
    lab.awaitPod(NS, "nettools", Lab::isRunningAndReady, Duration.ofSeconds(90));
    // what the chart's Deployment gives the operator: FCP_RESTORE_ENABLED and FCP_RESTORE_NODES
    RestoreConfig restore = RestoreConfig.fromEnvironment(CLUSTER.chart().operatorEnvironment());
    assertThat(restore).isEqualTo(new RestoreConfig(true, java.util.Set.of("worker-1"), false));
    operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(Map.of(
        OperatorConfig.WATCH_NAMESPACES, NS, OperatorConfig.HEALTH_PORT, "0")), restore);
    CLUSTER.fcps().create(NS, "inc42", "nettools", "nettools");
    assertThat(CLUSTER.fcps().awaitTerminal(NS, "inc42", Duration.ofSeconds(90)).getStatus().getPhase())
        .isEqualTo(CheckpointPhase.Succeeded);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  static CheckpointRestore create(String name, Consumer<CheckpointRestoreSpec> change) {
    CheckpointRestore restore = new CheckpointRestore();
    restore.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    CheckpointRestoreSpec spec = new CheckpointRestoreSpec();
    spec.setCheckpointName("inc42");
    spec.setNodeName("worker-1");
    spec.setImage(IMAGE);
    change.accept(spec);
    restore.setSpec(spec);
    return lab.adminClient().resource(restore).create();
  }

  static CheckpointRestore get(String name) {
    return lab.adminClient().resources(CheckpointRestore.class).inNamespace(NS).withName(name).get();
  }

  static CheckpointRestore await(String name, Predicate<CheckpointRestore> condition) {
    return Awaitility.await(NS + "/" + name).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> get(name), r -> r != null && condition.test(r));
  }

  static Predicate<CheckpointRestore> phase(RestorePhase phase) {
    return r -> r.getStatus() != null && r.getStatus().getPhase() == phase;
  }

  static List<String> eventReasons(String name) {
    return lab.adminClient().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
  }

  @Test
  void restoresIntoALockedDownPodOnTheChosenNodeAndStatusFollowsIt() {
    // a common policy that lets every pod of the namespace reach every other: the sandbox's deny-all cannot undo it
    lab.adminClient().resource(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder()
        .withNewMetadata().withName("allow-same-namespace").withNamespace(NS).endMetadata().withNewSpec()
        .withNewPodSelector().endPodSelector().addNewIngress().addNewFrom().withNewPodSelector().endPodSelector()
        .endFrom().endIngress().endSpec().build()).createOr(r -> r.update());
    create("nettools-inc42", spec -> spec.setRuntimeClassName("gvisor"));

    CheckpointRestore running = await("nettools-inc42", phase(RestorePhase.Running));

    var status = running.getStatus();
    assertThat(status.getPodName()).isEqualTo("nettools-inc42-sandbox");
    assertThat(status.getImage()).isEqualTo(IMAGE);
    assertThat(status.getNodeName()).isEqualTo("worker-1");
    assertThat(status.getRuntime()).isEqualTo("containerd://2.1.0; restore enabled on this node per FCP_RESTORE_NODES");
    assertThat(status.getObservedGeneration()).isEqualTo(running.getMetadata().getGeneration());
    assertThat(Conditions.find(status.getConditions(), Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(Conditions.find(status.getConditions(), Conditions.FAILED).getStatus()).isEqualTo("False");

    Pod pod = lab.adminClient().pods().inNamespace(NS).withName("nettools-inc42-sandbox").get();
    assertThat(pod.getMetadata().getLabels()).as("evidence only: no label of the original pod, so none of its"
        + " Services selects it").isEqualTo(Map.of(CheckpointRestore.RESTORE_LABEL, "nettools-inc42"));
    assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(running.getMetadata().getUid()));
    var spec = pod.getSpec();
    assertThat(spec.getNodeName()).isEqualTo("worker-1");
    assertThat(spec.getRuntimeClassName()).isEqualTo("gvisor");
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getServiceAccountName()).isEqualTo("nettools-inc42-sandbox");
    assertThat(spec.getVolumes()).as("no token volume, nothing of the node").isEmpty();
    // false is the API server's default and is not written back (omitempty): not true is what counts
    assertThat(java.util.Arrays.asList(spec.getHostNetwork(), spec.getHostPID(), spec.getHostIPC(),
        spec.getShareProcessNamespace())).noneMatch(Boolean.TRUE::equals);
    assertThat(spec.getEnableServiceLinks()).isFalse();
    assertThat(spec.getHostname()).isEqualTo("nettools");
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(spec.getContainers()).singleElement().satisfies(c -> {
      assertThat(c.getName()).isEqualTo("nettools");
      assertThat(c.getImage()).isEqualTo(IMAGE);
      assertThat(c.getVolumeMounts()).isEmpty();
      assertThat(c.getSecurityContext().getPrivileged()).isFalse();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(c.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    });

    NetworkPolicy policy = lab.adminClient().network().v1().networkPolicies().inNamespace(NS)
        .withName("nettools-inc42-sandbox").get();
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(Map.of(CheckpointRestore.RESTORE_LABEL, "nettools-inc42"));
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
    assertThat(policy.getSpec().getEgress()).isNullOrEmpty();
    ServiceAccount account = lab.adminClient().serviceAccounts().inNamespace(NS).withName("nettools-inc42-sandbox")
        .get();
    assertThat(account.getAutomountServiceAccountToken()).isFalse();
    assertThat(lab.adminClient().pods().inNamespace(NS).withLabel("app", "nettools").list().getItems())
        .extracting(p -> p.getMetadata().getName()).containsExactly("nettools");

    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(eventReasons("nettools-inc42"))
        .contains("Restoring", "NetworkPolicyCreated", "NetworkPoliciesAllowTraffic", "SandboxPodCreated",
            "SandboxRunning"));
    assertThat(lab.adminClient().v1().events().inNamespace(NS).list().getItems()).filteredOn(e ->
        "nettools-inc42".equals(e.getInvolvedObject().getName()) && "NetworkPoliciesAllowTraffic".equals(e.getReason()))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains(": allow-same-namespace ("));
    ExecResult get = lab.kubectl("get", "fcr", "-n", NS, "nettools-inc42");
    ExecResult describe = lab.kubectl("describe", "fcr", "-n", NS, "nettools-inc42");
    System.out.println("RestoreIT: $ kubectl get fcr -n dev nettools-inc42\n" + get.stdout()
        + "RestoreIT: $ kubectl describe fcr -n dev nettools-inc42\n" + describe.stdout());
    assertThat(get.stdout()).contains("nettools-inc42", "worker-1", "Running", "nettools-inc42-sandbox");
  }

  @Test
  void refusesEarlyOnANodeWhoseRuntimeCannotRestoreAndOnOneNotListed() {
    create("on-old-containerd", spec -> spec.setNodeName("worker-2"));
    create("on-unlisted", spec -> spec.setNodeName("worker-3"));

    CheckpointRestore old = await("on-old-containerd", phase(RestorePhase.Failed));
    CheckpointRestore unlisted = await("on-unlisted", phase(RestorePhase.Failed));

    assertThat(Conditions.find(old.getStatus().getConditions(), Conditions.FAILED).getReason())
        .isEqualTo("RuntimeCannotRestore");
    assertThat(old.getStatus().getMessage()).startsWith("node worker-2 runs containerd://1.7.27: containerd restores"
        + " checkpoints through the CRI from version 2.0 on");
    assertThat(old.getStatus().getRuntime()).isEqualTo("containerd://1.7.27");
    assertThat(old.getStatus().getNodeName()).isEqualTo("worker-2");
    assertThat(Conditions.find(unlisted.getStatus().getConditions(), Conditions.FAILED).getReason())
        .isEqualTo("RestoreNotEnabled");
    assertThat(unlisted.getStatus().getRuntime()).isEqualTo("containerd://2.1.0");
    assertThat(unlisted.getStatus().getMessage()).contains("enable_experimental_restore_via_create = true",
        "restore.nodes (FCP_RESTORE_NODES)");
    for (String name : List.of("on-old-containerd", "on-unlisted")) {
      assertThat(lab.adminClient().pods().inNamespace(NS).withName(name + "-sandbox").get()).as(name).isNull();
      assertThat(lab.adminClient().network().v1().networkPolicies().inNamespace(NS).withName(name + "-sandbox").get())
          .as(name).isNull();
      assertThat(get(name).getStatus().getPodName()).isNull();
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(eventReasons("on-old-containerd"))
        .contains("RuntimeCannotRestore"));
    ExecResult describe = lab.kubectl("describe", "fcr", "-n", NS, "on-old-containerd");
    System.out.println("RestoreIT: $ kubectl describe fcr -n dev on-old-containerd\n" + describe.stdout());
  }

  @Test
  void aPodTheApiServerRefusesFailsTheRestoreQuotingIt() {
    create("no-such-class", spec -> spec.setRuntimeClassName("kata"));

    CheckpointRestore failed = await("no-such-class", phase(RestorePhase.Failed));

    assertThat(Conditions.find(failed.getStatus().getConditions(), Conditions.FAILED).getReason())
        .isEqualTo("SandboxPodRefused");
    assertThat(failed.getStatus().getMessage()).startsWith("the API server refused to create Pod no-such-class-sandbox"
        + " (HTTP 403): ").contains("RuntimeClass \"kata\" not found");
    assertThat(failed.getStatus().getPodName()).isNull();
    assertThat(lab.adminClient().pods().inNamespace(NS).withName("no-such-class-sandbox").get()).isNull();
  }

  @Test
  void aSandboxPodThatEndsFailsTheRestoreAndKeepsThePod() {
    create("exits", spec -> { });
    await("exits", phase(RestorePhase.Running));

    lab.node("worker-1").terminateContainer(NS, "exits-sandbox", "nettools", 137);

    CheckpointRestore failed = await("exits", phase(RestorePhase.Failed));
    assertThat(Conditions.find(failed.getStatus().getConditions(), Conditions.FAILED).getReason())
        .isEqualTo("SandboxPodFailed");
    assertThat(failed.getStatus().getMessage()).contains("exited with code 137");
    assertThat(lab.adminClient().pods().inNamespace(NS).withName("exits-sandbox").get()).isNotNull();
  }

  @Test
  void nobodyChangesTheSpecAndOnlyTheOperatorWritesStatus() {
    create("frozen", spec -> { });
    // a responder with the chart's aggregated admin rules in this namespace
    lab.adminClient().resource(new RoleBindingBuilder().withNewMetadata().withName("responder-admin")
        .withNamespace(NS).endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName(ChartRelease.SERVICE_ACCOUNT + "-admin").endRoleRef().addNewSubject()
        .withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("responder").endSubject().build())
        .createOr(r -> r.update());
    String otherNode = "{\"spec\":{\"nodeName\":\"worker-3\"}}";

    try (KubernetesClient responder = lab.clientAs("responder", List.of())) {
      var asResponder = responder.resources(CheckpointRestore.class).inNamespace(NS).withName("frozen");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> asResponder.get() != null);
      assertThatThrownBy(() -> asResponder.patch(PatchContext.of(PatchType.JSON_MERGE), otherNode))
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      assertThatThrownBy(() -> asResponder.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"status\":{\"phase\":\"Running\"}}"))
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
    var asAdmin = lab.adminClient().resources(CheckpointRestore.class).inNamespace(NS).withName("frozen");
    assertThatThrownBy(() -> asAdmin.patch(PatchContext.of(PatchType.JSON_MERGE), otherNode))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec is immutable: create a new CheckpointRestore to restore again");
        });
    assertThat(get("frozen").getSpec().getNodeName()).isEqualTo("worker-1");
  }
}
