package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreSpec;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.api.RestorePhase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Calls the restore reconciler's pass directly against the Fabric8 mock API server (CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class CheckpointRestoreReconcilerTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T09:00:00Z"), ZoneOffset.UTC);
  static final String IMAGE = "registry.lab:5000/ckpt/nettools@sha256:" + "ab".repeat(32);

  KubernetesClient client;
  CheckpointRestoreReconciler reconciler;

  @BeforeEach
  void objects() {
    reconciler = new CheckpointRestoreReconciler(client, RestoreConfig.enabledOn("sandbox-1"), CLOCK,
        (key, task) -> task.run(), "test");
    client.resource(new NodeBuilder().withNewMetadata().withName("sandbox-1").endMetadata().withNewStatus()
        .withNewNodeInfo().withContainerRuntimeVersion("cri-o://1.34.2").endNodeInfo().endStatus().build()).create();
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName("inc42").withNamespace("dev").build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("nettools");
    fcp.setSpec(spec);
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setPhase(CheckpointPhase.Succeeded);
    ContainerCheckpointStatus container = new ContainerCheckpointStatus("nettools");
    container.setPhase(ContainerPhase.Succeeded);
    status.setContainers(List.of(container));
    fcp.setStatus(status);
    client.resource(fcp).create();
  }

  CheckpointRestore restore(String name) {
    CheckpointRestore restore = new CheckpointRestore();
    restore.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("dev").build());
    CheckpointRestoreSpec spec = new CheckpointRestoreSpec();
    spec.setCheckpointName("inc42");
    spec.setNodeName("sandbox-1");
    spec.setImage(IMAGE);
    restore.setSpec(spec);
    return client.resource(restore).create();
  }

  CheckpointRestore current(String name) {
    return client.resources(CheckpointRestore.class).inNamespace("dev").withName(name).get();
  }

  List<String> events() {
    return client.v1().events().inNamespace("dev").list().getItems().stream().map(Event::getReason).toList();
  }

  @Test
  void createsPolicyAccountAndPodThenFollowsThePodToRunning() {
    reconciler.pass(restore("inc42"));

    CheckpointRestore creating = current("inc42");
    assertThat(creating.getStatus().getPhase()).isEqualTo(RestorePhase.Creating);
    assertThat(creating.getStatus().getPodName()).isEqualTo("inc42-sandbox");
    assertThat(creating.getStatus().getRuntime()).startsWith("cri-o://1.34.2");
    assertThat(client.network().v1().networkPolicies().inNamespace("dev").withName("inc42-sandbox").get()).isNotNull();
    assertThat(client.serviceAccounts().inNamespace("dev").withName("inc42-sandbox").get()).isNotNull();
    Pod pod = client.pods().inNamespace("dev").withName("inc42-sandbox").get();
    assertThat(pod.getSpec().getNodeName()).isEqualTo("sandbox-1");

    client.pods().inNamespace("dev").resource(new PodBuilder(pod).withNewStatus().withPhase("Running")
        .addNewContainerStatus().withName("nettools").withNewState().withNewRunning().endRunning().endState()
        .endContainerStatus().endStatus().build()).updateStatus();
    reconciler.pass(current("inc42"));
    String version = current("inc42").getMetadata().getResourceVersion();
    reconciler.pass(current("inc42"));

    CheckpointRestore running = current("inc42");
    assertThat(running.getStatus().getPhase()).isEqualTo(RestorePhase.Running);
    assertThat(running.getMetadata().getResourceVersion()).as("nothing new: no write").isEqualTo(version);
    assertThat(events()).containsExactly("Restoring", "NetworkPolicyCreated", "SandboxPodCreated", "SandboxRunning");
  }

  @Test
  void aForeignObjectWithTheSandboxsNameFailsTheRestoreBeforeAnyPodExists() {
    client.resource(new NetworkPolicyBuilder().withNewMetadata().withName("taken-sandbox").withNamespace("dev")
        .endMetadata().withNewSpec().withNewPodSelector().endPodSelector().endSpec().build()).create();

    reconciler.pass(restore("taken"));

    CheckpointRestore failed = current("taken");
    assertThat(failed.getStatus().getPhase()).isEqualTo(RestorePhase.Failed);
    assertThat(failed.getStatus().getMessage()).startsWith("a NetworkPolicy taken-sandbox exists in this namespace"
        + " that this CheckpointRestore did not create");
    assertThat(failed.getStatus().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Failed");
      assertThat(c.getReason()).isEqualTo("NameTaken");
    });
    assertThat(client.pods().inNamespace("dev").withName("taken-sandbox").get()).isNull();
    assertThat(reconciler.pass(failed)).as("terminal: never looked at again").isNull();
  }

  @Test
  void otherPoliciesThatLetTrafficThroughAreNamedInAWarning() {
    client.resource(new NetworkPolicyBuilder().withNewMetadata().withName("allow-same-namespace").withNamespace("dev")
        .endMetadata().withNewSpec().withNewPodSelector().endPodSelector().addNewIngress().addNewFrom()
        .withNewPodSelector().endPodSelector().endFrom().endIngress().endSpec().build()).create();

    reconciler.pass(restore("leaky"));

    assertThat(current("leaky").getStatus().getPhase()).isEqualTo(RestorePhase.Creating);
    assertThat(client.v1().events().inNamespace("dev").list().getItems())
        .filteredOn(e -> "NetworkPoliciesAllowTraffic".equals(e.getReason())).singleElement().satisfies(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getMessage()).contains("allow traffic, which the deny-all policy cannot take back:"
              + " allow-same-namespace (");
        });
  }

  @Test
  void aRetryAfterARestartFindsItsOwnObjectsAndCreatesNothingTwice() {
    CheckpointRestore restore = restore("again");
    client.resource(SandboxPod.denyAll(restore)).create();
    client.resource(SandboxPod.serviceAccount(restore)).create();

    reconciler.pass(restore);

    assertThat(current("again").getStatus().getPhase()).isEqualTo(RestorePhase.Creating);
    assertThat(client.network().v1().networkPolicies().inNamespace("dev").list().getItems()).hasSize(1);
  }
}
