package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the custody of a fallback bundle for a container marked Collecting after its checkpoint
 * failed: gathers the bundle ({@link FallbackBundleGatherer}), hands it over in a Secret and starts
 * its collector pod ({@link FallbackBundles}). Both carry the name the status mark already holds, so
 * after a restart an existing Secret (gathered closer to the failure) is kept as it is and an
 * existing pod is left to finish: one bundle per container, never a second. The Secret is deleted
 * with the pod once the report is in status, or at once when the pod cannot be created.
 */
final class FallbackBundleCustody {

  private static final Logger LOG = LoggerFactory.getLogger(FallbackBundleCustody.class);

  private final KubernetesClient client;
  private final CollectionConfig config;
  private final FallbackBundleGatherer gatherer;
  private final StatusRecorder recorder;
  private final CheckpointNotifier notifier;

  FallbackBundleCustody(KubernetesClient client, CollectionConfig config, Clock clock, StatusRecorder recorder,
      CheckpointNotifier notifier) {
    this.client = client;
    this.config = config;
    this.gatherer = new FallbackBundleGatherer(client, clock);
    this.recorder = recorder;
    this.notifier = notifier;
  }

  ForensicCheckpoint start(ForensicCheckpoint marked, ContainerCheckpointStatus entry) {
    Pod pod = FallbackBundles.build(marked, entry, config);
    String ref = config.namespace() + "/" + pod.getMetadata().getName();
    try {
      if (client.pods().inNamespace(config.namespace()).withName(pod.getMetadata().getName()).get() != null) {
        return marked; // created before a restart: its report comes through the informer
      }
      byte[] bundle = FallbackBundle.build(gatherer.gather(marked, entry));
      Secret secret = FallbackBundles.secret(marked, entry, config, bundle);
      try {
        client.secrets().inNamespace(config.namespace()).resource(secret).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // gathered before a restart: that bundle, closer to the failure, is the one stored
      }
      try {
        client.pods().inNamespace(config.namespace()).resource(pod).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        return marked;
      }
      notifier.bundleCollectorStarted(marked, entry.getName(), pod, bundle.length);
      return marked;
    } catch (KubernetesClientException e) {
      String why = "fallback bundle collector " + ref + " could not be started (HTTP " + e.getCode() + ": "
          + (e.getStatus() == null ? e.getClass().getSimpleName() : e.getStatus().getMessage()) + "); the operator"
          + " needs create and delete on pods and secrets in " + config.namespace() + "; no bundle is stored";
      deleteSecret(pod.getMetadata().getName());
      ForensicCheckpoint updated = recorder.update(marked, status -> status.container(entry.getName()).ifPresent(c -> {
        EvidenceStatus failed = CollectorPods.failed(ref, "CollectorNotStarted", why);
        failed.setFallbackBundle(true);
        c.setEvidence(failed);
      }));
      notifier.collectorNotStarted(marked, entry.getName(), why);
      return updated;
    }
  }

  /** Deletes the bundle's Secret (named as its pod); gone already is fine. */
  void deleteSecret(String name) {
    try {
      client.secrets().inNamespace(config.namespace()).withName(name).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("fallback bundle secret not deleted secret={}/{} code={}", config.namespace(), name, e.getCode());
    }
  }
}
