package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the informer's store keeps of a ForensicCheckpoint, and what a status write hands back. */
@EnableKubernetesMockClient(crud = true)
class UnreadMetadataDroppingStoreTest {

  /** 200 KiB, as a responder may attach to any object they create. */
  static final String BIG = "x".repeat(200 * 1024);

  KubernetesClient client;

  @Test
  void keepsTheMetadataThatIsReadAndDropsTheRest() {
    UnreadMetadataDroppingStore store = new UnreadMetadataDroppingStore();
    ForensicCheckpoint fcp = heavy();
    fcp.getMetadata().setUid("uid-1");
    fcp.getMetadata().setResourceVersion("42");
    fcp.getMetadata().setGeneration(1L);
    fcp.getMetadata().setCreationTimestamp("2026-11-23T10:00:00Z");
    fcp.getMetadata().setDeletionTimestamp("2026-11-23T11:00:00Z");
    fcp.getMetadata().setFinalizers(java.util.List.of("example.com/keep"));
    fcp.setStatus(new ForensicCheckpointStatus());
    fcp.getStatus().setPhase(CheckpointPhase.Running);

    store.put(store.getKey(fcp), fcp);
    ForensicCheckpoint cached = store.get("dev/big");

    @SuppressWarnings("unchecked")
    Map<String, Object> meta = (Map<String, Object>) client.getKubernetesSerialization()
        .convertValue(cached, Map.class).get("metadata");
    assertThat(meta).as("every kept field is read somewhere (see withoutUnreadMetadata)").containsOnlyKeys("name",
        "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "finalizers");
    assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(cached.getMetadata().getFinalizers()).containsExactly("example.com/keep");
    assertThat(cached.isMarkedForDeletion()).isTrue();
    assertThat(cached.getSpec().getPodName()).isEqualTo("web");
    assertThat(cached.getStatus().getPhase()).isEqualTo(CheckpointPhase.Running);
  }

  @Test
  void theStatusWriteHandsBackTheTrimmedObjectAndTheApiServerKeepsEverything() {
    ForensicCheckpoint created = client.resource(heavy()).create();
    ForensicCheckpoint cached = UnreadMetadataDroppingStore.withoutUnreadMetadata(
        client.getKubernetesSerialization().clone(created));
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setPhase(CheckpointPhase.Pending);

    ForensicCheckpoint written = new StatusRecorder(client, Clock.systemUTC()).write(cached, status);

    assertThat(written.getMetadata().getAnnotations()).as("what a kubelet call holds while it runs").isEmpty();
    assertThat(written.getMetadata().getLabels()).isEmpty();
    assertThat(written.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
    assertThat(written.getStatus().getPhase()).isEqualTo(CheckpointPhase.Pending);
    ForensicCheckpoint stored = client.resources(ForensicCheckpoint.class).inNamespace("dev").withName("big").get();
    assertThat(stored.getMetadata().getAnnotations()).containsEntry("example.com/notes", BIG);
    assertThat(stored.getMetadata().getLabels()).containsEntry("team", "blue");
    assertThat(stored.getStatus().getPhase()).isEqualTo(CheckpointPhase.Pending);
  }

  private static ForensicCheckpoint heavy() {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName("big").withNamespace("dev")
        .withLabels(Map.of("team", "blue"))
        .withAnnotations(Map.of("example.com/notes", BIG))
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubectl").withOperation("Update").build())
        .withOwnerReferences(new OwnerReferenceBuilder().withKind("ConfigMap").withName("owner").withUid("o-1")
            .withApiVersion("v1").build())
        .withGenerateName("big-")
        .build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("web");
    spec.setReason("test");
    fcp.setSpec(spec);
    return fcp;
  }
}
