package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The informer's store of ForensicCheckpoints, keeping of each object's metadata only the fields
 * the operator or the framework reads. Terminal objects stay in the cache for as long as they exist
 * (they are evidence records that people keep), and whoever may create one may give it up to 256 KiB
 * of annotations, labels and other metadata the operator never reads: kept, a few hundred such
 * objects would fill the heap. Spec and status stay whole: the CRD bounds the spec, and the operator
 * writes the status itself.
 *
 * <p>Fabric8 hands the object it stores to the event handlers too, so the framework and the
 * reconciler only ever see the trimmed object; the API server keeps everything (status is written
 * through the status subresource, which never changes metadata).
 */
final class UnreadMetadataDroppingStore extends BasicItemStore<ForensicCheckpoint> {

  UnreadMetadataDroppingStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public ForensicCheckpoint put(String key, ForensicCheckpoint obj) {
    return super.put(key, withoutUnreadMetadata(obj));
  }

  /**
   * {@code fcp} itself, its metadata replaced by the fields read in {@code src/main} and by the
   * framework (JOSDK 5.2, Fabric8 7.5). Anything the operator starts to read from metadata must be
   * added here (UnreadMetadataDroppingStoreTest lists what is kept). Dropped: labels, annotations,
   * managedFields, ownerReferences (the framework reads those only of secondary resources, to find
   * their primary), generateName, selfLink and fields this client does not know.
   */
  static ForensicCheckpoint withoutUnreadMetadata(ForensicCheckpoint fcp) {
    ObjectMeta all = fcp.getMetadata();
    if (all == null) {
      return fcp;
    }
    ObjectMeta kept = new ObjectMeta();
    // the cache key (namespace/name); ResourceID, Events' involvedObject and every log line
    kept.setName(all.getName());
    kept.setNamespace(all.getNamespace());
    // CallTracker's keys and liveness check, StatusRecorder's newest-seen map, Events' involvedObject
    kept.setUid(all.getUid());
    // Fabric8 tells an update from a resync by it; StatusRecorder writes on condition of it
    // (409 Conflict on a stale view) and checks the cache is not behind its own writes
    kept.setResourceVersion(all.getResourceVersion());
    // JOSDK's generation-aware event filter; status.observedGeneration
    kept.setGeneration(all.getGeneration());
    // CheckpointNotifier: time from creation to the last result
    kept.setCreationTimestamp(all.getCreationTimestamp());
    // JOSDK's isMarkedForDeletion (event filter and dispatcher)
    kept.setDeletionTimestamp(all.getDeletionTimestamp());
    // CollectionFinalizer: whether the object holds the finalizer of a running collection (JOSDK
    // reads them too if a reconciler is a Cleaner; this one is not)
    kept.setFinalizers(all.getFinalizers());
    fcp.setMetadata(kept);
    return fcp;
  }
}
