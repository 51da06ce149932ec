package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Reads one ForensicCheckpoint by name, as the user; a refusal or absence becomes the error to show. */
final class CheckpointLookup {

  private CheckpointLookup() {}

  static ForensicCheckpoint get(ClusterOptions.Cluster cluster, String name) throws PluginError {
    ForensicCheckpoint fcp;
    try {
      fcp = cluster.client().resources(ForensicCheckpoint.class).inNamespace(cluster.namespace()).withName(name).get();
    } catch (KubernetesClientException e) {
      throw ApiRefusal.of(e, "get", ApiRefusal.FORENSIC_CHECKPOINTS, cluster.namespace(), name);
    }
    if (fcp == null) {
      throw new PluginError(PluginExitCode.NOT_FOUND, "forensiccheckpoints.forensics.ckpt.io \"" + name
          + "\" not found in namespace " + cluster.namespace());
    }
    return fcp;
  }
}
