package io.ckpt.forensics.alerts;

import java.util.List;
import java.util.Map;

/**
 * One alert as the receiver understood it, whatever format it came in. Every text is bounded by the
 * parser; none is trusted (the sender may be an attacker's forgery).
 *
 * @param source which format carried it
 * @param rule Falco's rule, or Alertmanager's alertname label
 * @param priority Falco's priority, or Alertmanager's severity label; may be null
 * @param time when the alert fired, as the sender wrote it; may be null
 * @param output Falco's output line, or Alertmanager's summary/description annotation; may be null
 * @param tags Falco's tags; empty for Alertmanager
 * @param fields Falco's output_fields, or Alertmanager's labels, as text
 * @param namespace the target pod's namespace (k8s.ns.name, or the namespace label); may be null
 * @param pod the target pod's name (k8s.pod.name, or the pod label); may be null
 * @param containerId Falco's container.id (a 12-hex prefix); may be null
 * @param containerName container.name, k8s.container.name or the container label; may be null
 * @param firing false for an Alertmanager notification that the alert resolved
 */
public record Alert(AlertSource source, String rule, String priority, String time, String output, List<String> tags,
    Map<String, String> fields, String namespace, String pod, String containerId, String containerName,
    boolean firing) {

  /** Which format an alert came in. */
  public enum AlertSource {
    falco, alertmanager
  }
}
