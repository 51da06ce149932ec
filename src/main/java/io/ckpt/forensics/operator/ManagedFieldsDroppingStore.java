package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The informer's store of ForensicCheckpoints, without {@code metadata.managedFields}: the operator
 * never reads them, and as parsed JSON they were a large part of the heap each cached object holds.
 * Terminal objects stay in the cache for as long as they exist (they are evidence records that
 * people keep), so what each one costs decides how many the operator's heap can hold.
 */
final class ManagedFieldsDroppingStore extends BasicItemStore<ForensicCheckpoint> {

  ManagedFieldsDroppingStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public ForensicCheckpoint put(String key, ForensicCheckpoint obj) {
    if (obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
