package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The finalizer a ForensicCheckpoint holds only while a collector pod of it runs (issue 12 §6). It
 * is added before the pod is created and removed once no container is Collecting (every report is
 * in status, or the pod could not be created). An object deleted meanwhile stays until its collectors
 * finished, so that their reports are logged and their pods deleted; stored evidence is never
 * deleted with it. It never holds deletion for ever: past the collector's active deadline plus
 * {@link #GRACE} from the deletion, the operator lets go whatever the pods say, and without the
 * operator an administrator removes it by hand (docs/evidence.md).
 */
final class CollectionFinalizer {

  static final String NAME = "forensics.ckpt.io/collection";
  /** Beyond the collector's active deadline: time for the kubelet to report the pod's end. */
  static final Duration GRACE = Duration.ofMinutes(1);

  private static final Logger LOG = LoggerFactory.getLogger(CollectionFinalizer.class);

  private final KubernetesClient client;

  CollectionFinalizer(KubernetesClient client) {
    this.client = client;
  }

  static boolean holds(ForensicCheckpoint fcp) {
    List<String> finalizers = fcp.getMetadata().getFinalizers();
    return finalizers != null && finalizers.contains(NAME);
  }

  /** True if a collector of the object may be running: some container is Collecting. */
  static boolean collecting(ForensicCheckpointStatus status) {
    return status != null && status.getContainers().stream().anyMatch(c -> c.getEvidence() != null
        && c.getEvidence().getPhase() == EvidencePhase.Collecting);
  }

  /**
   * Whether an object marked for deletion may let go now: every collector pod of it has finished
   * (its report can be read), or the collectors' deadline plus {@link #GRACE} has passed since the
   * deletion (a pod that never started, a node gone).
   */
  static boolean mayRelease(ForensicCheckpoint deleted, Collection<Pod> collectors, Duration deadline, Instant now) {
    if (collectors.stream().allMatch(p -> CollectorPods.report(p).isPresent())) {
      return true;
    }
    Instant since = RecordExpiry.instant(deleted.getMetadata().getDeletionTimestamp());
    return since == null || !now.isBefore(since.plus(deadline).plus(GRACE));
  }

  /** Adds the finalizer unless the object holds it; returns the object as it is now (null: deleted). */
  ForensicCheckpoint hold(ForensicCheckpoint fcp) {
    if (holds(fcp)) {
      return fcp;
    }
    return edit(fcp, true);
  }

  /** Removes the finalizer if the object holds it; returns the object as it is now (null: gone). */
  ForensicCheckpoint release(ForensicCheckpoint fcp) {
    if (!holds(fcp)) {
      return fcp;
    }
    return edit(fcp, false);
  }

  private ForensicCheckpoint edit(ForensicCheckpoint fcp, boolean add) {
    var meta = fcp.getMetadata();
    try {
      ForensicCheckpoint edited = client.resources(ForensicCheckpoint.class).inNamespace(meta.getNamespace())
          .withName(meta.getName()).edit(current -> {
            if (!meta.getUid().equals(current.getMetadata().getUid())) {
              return current; // another object of the same name: not ours to change
            }
            List<String> finalizers = new ArrayList<>(current.getMetadata().getFinalizers() == null ? List.of()
                : current.getMetadata().getFinalizers());
            finalizers.remove(NAME);
            if (add) {
              finalizers.add(NAME);
            }
            current.getMetadata().setFinalizers(finalizers);
            return current;
          });
      LOG.debug("collection finalizer {} fcp={}/{}", add ? "added" : "removed", meta.getNamespace(), meta.getName());
      return edited;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      if (add && e.getCode() == 422) {
        // being deleted already: the API server takes no new finalizer. The collector still runs and
        // stores; the periodic sweep logs its report once the object is gone.
        LOG.info("collection finalizer not added, the object is being deleted fcp={}/{}", meta.getNamespace(),
            meta.getName());
        return fcp;
      }
      throw e;
    }
  }

}
