package io.ckpt.forensics.operator;

import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * One container of one ForensicCheckpoint object. The object's UID is part of the key so that an
 * object deleted and recreated under the same name never inherits the old one's calls.
 */
record CheckpointKey(ResourceID resource, String uid, String container) {

  @Override
  public String toString() {
    return resource.getNamespace().orElse("") + "/" + resource.getName() + "[" + container + "]";
  }
}
