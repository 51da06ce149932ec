package io.ckpt.forensics.operator;

import io.ckpt.forensics.alerts.AlertGuards;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Clock;
import java.util.Set;

/**
 * Alert-driven checkpoints (issue 15), started only when the chart enables the receiver: the policy
 * informers, the guards, the status writer and the HTTPS receiver, closed together.
 */
final class AlertService implements AutoCloseable {

  /** Policy status is written at most this often per policy. */
  static final long STATUS_PERIOD_MILLIS = 1000;
  /** Namespaces whose hourly creations are remembered before the idle ones are dropped. */
  static final int MAX_RATE_NAMESPACES = 10_000;

  private final PolicyCatalog catalog;
  private final PolicyStatusWriter status;
  private final AlertReceiver receiver;
  private final AlertGuards guards;

  private AlertService(PolicyCatalog catalog, PolicyStatusWriter status, AlertReceiver receiver, AlertGuards guards) {
    this.catalog = catalog;
    this.status = status;
    this.receiver = receiver;
    this.guards = guards;
  }

  static AlertService start(AlertsConfig config, KubernetesClient client, Set<String> namespaces,
      CheckpointMetrics metrics, CheckpointEvents events) throws IOException {
    PolicyStatusWriter status = new PolicyStatusWriter(client, Clock.systemUTC(), STATUS_PERIOD_MILLIS);
    PolicyCatalog catalog = null;
    try {
      catalog = new PolicyCatalog(client, namespaces, status::changed);
      AlertGuards guards = new AlertGuards(config.maxDedupKeys(), MAX_RATE_NAMESPACES, System::nanoTime);
      AlertGuards dryRunGuards = new AlertGuards(config.maxDedupKeys(), MAX_RATE_NAMESPACES, System::nanoTime);
      AlertIntake intake = new AlertIntake(client, catalog, guards, dryRunGuards, status, events);
      AlertReceiver receiver = new AlertReceiver(config, intake::handle, metrics.registry());
      metrics.registry().gauge("fcp_alert_dedup_keys", guards, AlertGuards::keys);
      return new AlertService(catalog, status, receiver, guards);
    } catch (IOException | RuntimeException e) {
      if (catalog != null) {
        catalog.close();
      }
      status.close();
      throw e;
    }
  }

  int port() {
    return receiver.port();
  }

  /** Dedup entries held in memory now. */
  int dedupKeys() {
    return guards.keys();
  }

  /** Writes pending policy status now (tests read it without waiting a period). */
  void flushStatus() {
    status.flush();
  }

  @Override
  public void close() {
    receiver.close();
    catalog.close();
    status.close();
  }
}
