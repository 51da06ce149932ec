package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * The one place that writes status. Every write carries the resourceVersion the change was computed
 * from, so a write based on a stale view fails with 409 Conflict instead of overwriting newer
 * facts; since every kubelet call is preceded by such a write, a stale view can never start a
 * second call.
 */
final class StatusRecorder {

  private final KubernetesClient client;
  private final Clock clock;

  StatusRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Applies {@code change} to a copy of the status, re-derives phase and conditions, and writes it. */
  ForensicCheckpoint update(ForensicCheckpoint current, Consumer<ForensicCheckpointStatus> change) {
    ForensicCheckpoint copy = client.getKubernetesSerialization().clone(current);
    ForensicCheckpointStatus status = copy.getStatus() == null ? new ForensicCheckpointStatus() : copy.getStatus();
    change.accept(status);
    CheckpointProgress.summarize(status, current.getMetadata().getGeneration(), clock);
    ForensicCheckpoint body = new ForensicCheckpoint();
    body.setMetadata(new ObjectMetaBuilder()
        .withName(current.getMetadata().getName())
        .withNamespace(current.getMetadata().getNamespace())
        .withResourceVersion(current.getMetadata().getResourceVersion())
        .build());
    body.setSpec(current.getSpec());
    body.setStatus(status);
    return client.resources(ForensicCheckpoint.class).inNamespace(current.getMetadata().getNamespace())
        .resource(body).updateStatus();
  }
}
