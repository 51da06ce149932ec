package io.ckpt.forensics.operator;

import io.ckpt.forensics.kubelet.CheckpointTransport;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/** Builds reconcilers for tests through the operator's own constructor: Events on the calling thread, no scraping. */
final class Reconcilers {

  private Reconcilers() {
  }

  static ForensicCheckpointReconciler of(KubernetesClient client, CheckpointTransport transport, OperatorConfig config,
      Clock clock, Ticker ticker) {
    return new ForensicCheckpointReconciler(client, transport, config, clock, ticker, "test",
        CheckpointMetrics.unscraped(), (key, task) -> task.run());
  }
}
