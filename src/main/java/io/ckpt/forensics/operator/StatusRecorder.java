package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

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

  /**
   * The resourceVersion of the newest version of each object this process has written or read
   * straight from the API server, by UID, while the object is in progress. The informer delivers
   * our own writes a little later; a reconcile that starts in between would decide on an older
   * view, so it reads the object first (see {@link #isBehind}).
   */
  private final Map<String, String> newestSeen = new ConcurrentHashMap<>();

  /** True if the informer's {@code cached} is not the newest version this process knows of. */
  boolean isBehind(ForensicCheckpoint cached) {
    String newest = newestSeen.get(cached.getMetadata().getUid());
    return newest != null && !newest.equals(cached.getMetadata().getResourceVersion());
  }

  /** Notes an object read from the API server as the newest known version. */
  void seen(ForensicCheckpoint fresh) {
    newestSeen.computeIfPresent(fresh.getMetadata().getUid(), (uid, rv) -> fresh.getMetadata().getResourceVersion());
  }

  /** Forgets the objects for which {@code done} holds (by UID): terminal or deleted. */
  void forget(Predicate<String> done) {
    newestSeen.keySet().removeIf(done);
  }

  /** Applies {@code change} to a copy of the status, re-derives phase and conditions, and writes it. */
  ForensicCheckpoint update(ForensicCheckpoint current, Consumer<ForensicCheckpointStatus> change) {
    ForensicCheckpoint copy = client.getKubernetesSerialization().clone(current);
    ForensicCheckpointStatus status = copy.getStatus() == null ? new ForensicCheckpointStatus() : copy.getStatus();
    change.accept(status);
    CheckpointProgress.summarize(status, current.getMetadata().getGeneration(), clock);
    return write(current, status);
  }

  /**
   * Writes {@code status} (phase and conditions already derived) as the status of {@code current},
   * on condition that the object is still at {@code current}'s resourceVersion. Through the status
   * subresource, so the API server takes the status alone from this body and keeps the object's
   * labels and annotations (which {@code current}, as cached, no longer has). Returns the object as
   * written, with the metadata the informer's store keeps.
   */
  ForensicCheckpoint write(ForensicCheckpoint current, ForensicCheckpointStatus status) {
    ForensicCheckpoint body = new ForensicCheckpoint();
    body.setMetadata(new ObjectMetaBuilder()
        .withName(current.getMetadata().getName())
        .withNamespace(current.getMetadata().getNamespace())
        .withResourceVersion(current.getMetadata().getResourceVersion())
        .build());
    body.setSpec(current.getSpec());
    body.setStatus(status);
    ForensicCheckpoint written = client.resources(ForensicCheckpoint.class)
        .inNamespace(current.getMetadata().getNamespace()).resource(body).updateStatus();
    newestSeen.put(written.getMetadata().getUid(), written.getMetadata().getResourceVersion());
    // the answer is the whole object; a kubelet call holds it for as long as it runs
    return UnreadMetadataDroppingStore.withoutUnreadMetadata(written);
  }
}
