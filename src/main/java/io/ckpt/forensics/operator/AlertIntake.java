package io.ckpt.forensics.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.alerts.Alert;
import io.ckpt.forensics.alerts.AlertGuards;
import io.ckpt.forensics.alerts.AlertGuards.Reservation;
import io.ckpt.forensics.alerts.AlertGuards.Verdict;
import io.ckpt.forensics.alerts.AlertTemplate;
import io.ckpt.forensics.alerts.ContainerResolution;
import io.ckpt.forensics.alerts.ContainerResolution.Resolved;
import io.ckpt.forensics.alerts.PodSelectorMatch;
import io.ckpt.forensics.alerts.PolicySelectors;
import io.ckpt.forensics.api.AlertContainers;
import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.operator.PolicyStatusWriter.Counter;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one alert does: find the namespace's policy whose selectors accept it, apply the dedup window
 * and hourly cap, read the pod (one GET, no pod cache), resolve the container, and create the
 * ForensicCheckpoint, labelled with the policy and the alert. Cheap refusals come first, so a flood
 * of duplicates costs no API calls. Nothing from an alert reaches the API server unchecked: names are
 * validated, texts bounded and cleaned.
 */
final class AlertIntake {

  private static final Logger LOG = LoggerFactory.getLogger(AlertIntake.class);
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern POD = Pattern.compile(ForensicCheckpointSpec.POD_NAME_PATTERN);
  private static final int MAX_ANNOTATION = 8192;

  /** The outcome for one alert, as the receiver reports it back to the sender. */
  enum Outcome {
    Created, DryRun, Deduplicated, RateLimited, Unmatched, NoPolicy, NotSelected, Resolved, Invalid, Failed
  }

  /** One alert's outcome; fields may be null. */
  record Decision(Outcome outcome, String namespace, String pod, String policy, String checkpoint, String reason) {}

  private final KubernetesClient client;
  private final PolicyCatalog policies;
  private final AlertGuards guards;
  /** Dry runs keep windows and hours of their own: rehearsing a policy must not use up a real one's cap. */
  private final AlertGuards dryRunGuards;
  private final PolicyStatusWriter status;
  private final CheckpointEvents events;
  private final ObjectMapper json = new ObjectMapper();

  AlertIntake(KubernetesClient client, PolicyCatalog policies, AlertGuards guards, AlertGuards dryRunGuards,
      PolicyStatusWriter status, CheckpointEvents events) {
    this.client = client;
    this.policies = policies;
    this.guards = guards;
    this.dryRunGuards = dryRunGuards;
    this.status = status;
    this.events = events;
  }

  Decision handle(Alert alert) {
    String ns = alert.namespace();
    String podName = alert.pod();
    if (!alert.firing()) {
      return new Decision(Outcome.Resolved, ns, podName, null, null, "resolved alerts create nothing");
    }
    if (ns == null || podName == null) {
      return new Decision(Outcome.Invalid, null, null, null, null, "the alert names no pod: Falco needs k8s.ns.name and"
          + " k8s.pod.name in output_fields, Alertmanager the namespace and pod labels");
    }
    if (!NAMESPACE.matcher(ns).matches() || podName.length() > 253 || !POD.matcher(podName).matches()) {
      return new Decision(Outcome.Invalid, null, null, null, null, "the alert's namespace or pod is not a valid name");
    }
    List<CheckpointPolicy> candidates = policies.in(ns);
    if (candidates.isEmpty()) {
      return new Decision(Outcome.NoPolicy, ns, podName, null, null, "no CheckpointPolicy in namespace " + ns);
    }
    CheckpointPolicy policy = candidates.stream()
        .filter(p -> p.getSpec() != null && PolicySelectors.problems(p.getSpec()).isEmpty()
            && PolicySelectors.accepts(p.getSpec(), alert))
        .findFirst().orElse(null);
    if (policy == null) {
      return new Decision(Outcome.NotSelected, ns, podName, null, null,
          "no CheckpointPolicy in namespace " + ns + " selects this alert");
    }
    String name = policy.getMetadata().getName();
    CheckpointPolicySpec spec = policy.getSpec();
    status.count(policy, Counter.matched, null);
    AlertContainers mode = spec.containersOrDefault();
    AlertGuards limits = spec.dryRunOrDefault() ? dryRunGuards : guards;
    String alias = ns + "/" + podName + "/" + (mode == AlertContainers.All ? "*"
        : alert.containerId() != null ? "id:" + alert.containerId().toLowerCase(Locale.ROOT)
        : "name:" + alert.containerName());
    Verdict early = limits.peek(alias, ns, spec.maxCheckpointsPerHourOrDefault());
    if (early != Verdict.ALLOWED) {
      return refused(policy, early, ns, podName);
    }
    Pod pod;
    try {
      pod = client.pods().inNamespace(ns).withName(podName).get();
    } catch (KubernetesClientException e) {
      LOG.warn("alert not acted on: pod read failed pod={}/{} code={}", ns, podName, e.getCode());
      return new Decision(Outcome.Failed, ns, podName, name, null, "the pod could not be read (HTTP " + e.getCode()
          + "); the alert may be sent again");
    }
    if (pod == null) {
      return unmatched(policy, ns, podName, "pod " + ns + "/" + podName + " does not exist (deleted, or never"
          + " existed)");
    }
    if (!PodSelectorMatch.matches(spec.getPodSelector(), pod.getMetadata().getLabels())) {
      return unmatched(policy, ns, podName, "pod " + ns + "/" + podName + " is outside the policy's podSelector");
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return unmatched(policy, ns, podName, "pod " + ns + "/" + podName + " has ended (phase " + phase + ")");
    }
    Resolved target = ContainerResolution.resolve(pod, alert, mode);
    if (target.isUnmatched()) {
      return unmatched(policy, ns, podName, target.unmatched());
    }
    Reservation[] granted = new Reservation[1];
    Verdict verdict = limits.reserve(ns + "/" + podName + "/" + target.key(), alias, ns,
        Duration.ofSeconds(spec.dedupWindowSecondsOrDefault()), spec.maxCheckpointsPerHourOrDefault(), granted);
    if (verdict != Verdict.ALLOWED) {
      return refused(policy, verdict, ns, podName);
    }
    ForensicCheckpoint fcp = checkpoint(policy, alert, pod, target);
    if (spec.dryRunOrDefault()) {
      String would = fcp.getMetadata().getGenerateName() + "*";
      status.count(policy, Counter.created, would);
      events.normal(policy, "DryRun", "would checkpoint pod " + podName + " container(s) " + target.key()
          + " for alert " + fcp.getMetadata().getLabels().get(CheckpointPolicy.ALERT_RULE_LABEL));
      return new Decision(Outcome.DryRun, ns, podName, name, null, "dryRun: nothing created");
    }
    ForensicCheckpoint created;
    try {
      created = client.resources(ForensicCheckpoint.class).inNamespace(ns).resource(fcp).create();
    } catch (KubernetesClientException e) {
      limits.release(granted[0]);
      LOG.warn("alert not acted on: ForensicCheckpoint create failed policy={}/{} pod={} code={} reason={}", ns, name,
          podName, e.getCode(), e.getStatus() == null ? "" : e.getStatus().getMessage());
      events.warning(policy, "CreateFailed", "creating a ForensicCheckpoint of pod " + podName + " failed (HTTP "
          + e.getCode() + ")");
      return new Decision(Outcome.Failed, ns, podName, name, null, "the ForensicCheckpoint could not be created (HTTP "
          + e.getCode() + ")");
    }
    String fcpName = created.getMetadata().getName();
    status.count(policy, Counter.created, fcpName);
    events.normal(policy, "CheckpointCreated", "created ForensicCheckpoint " + fcpName + " of pod " + podName
        + " container(s) " + target.key());
    LOG.info("alert created checkpoint policy={}/{} fcp={} pod={} containers={}", ns, name, fcpName, podName,
        target.key());
    return new Decision(Outcome.Created, ns, podName, name, fcpName, null);
  }

  private Decision refused(CheckpointPolicy policy, Verdict verdict, String ns, String pod) {
    if (verdict == Verdict.DEDUPLICATED) {
      status.count(policy, Counter.deduplicated, null);
      return new Decision(Outcome.Deduplicated, ns, pod, policy.getMetadata().getName(), null,
          "checkpointed within the policy's dedupWindowSeconds");
    }
    status.count(policy, Counter.rateLimited, null);
    return new Decision(Outcome.RateLimited, ns, pod, policy.getMetadata().getName(), null,
        "namespace " + ns + " reached maxCheckpointsPerHour");
  }

  private Decision unmatched(CheckpointPolicy policy, String ns, String pod, String reason) {
    status.count(policy, Counter.unmatched, reason);
    events.warning(policy, "AlertUnmatched", reason);
    return new Decision(Outcome.Unmatched, ns, pod, policy.getMetadata().getName(), null, reason);
  }

  private ForensicCheckpoint checkpoint(CheckpointPolicy policy, Alert alert, Pod pod, Resolved target) {
    CheckpointPolicySpec spec = policy.getSpec();
    String podName = pod.getMetadata().getName();
    Map<String, String> values = new HashMap<>();
    values.put("rule", alert.rule());
    values.put("priority", alert.priority() == null ? "" : alert.priority());
    values.put("output", alert.output() == null ? "" : alert.output());
    values.put("time", alert.time() == null ? "" : alert.time());
    values.put("source", alert.source().name());
    values.put("policy", policy.getMetadata().getName());
    values.put("namespace", pod.getMetadata().getNamespace());
    values.put("pod", podName);
    values.put("container", target.key());
    ForensicCheckpointSpec fcpSpec = new ForensicCheckpointSpec();
    fcpSpec.setPodName(podName);
    fcpSpec.setContainers(target.containers().isEmpty() ? null : target.containers());
    fcpSpec.setReason(AlertTemplate.reason(spec.reasonTemplateOrDefault(), values));
    if (spec.getCaseIdTemplate() != null) {
      fcpSpec.setCaseId(AlertTemplate.caseId(spec.getCaseIdTemplate(), values));
    }
    String prefix = policy.getMetadata().getName() + "-" + podName;
    prefix = prefix.length() > 50 ? prefix.substring(0, 50) : prefix;
    prefix = prefix.replaceAll("[.-]+$", "");
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withGenerateName(prefix + "-")
        .withNamespace(pod.getMetadata().getNamespace())
        .addToLabels(CheckpointPolicy.POLICY_LABEL, policy.getMetadata().getName())
        .addToLabels(CheckpointPolicy.ALERT_SOURCE_LABEL, alert.source().name())
        .addToLabels(CheckpointPolicy.ALERT_RULE_LABEL, labelValue(alert.rule()))
        .addToLabels(CheckpointPolicy.ALERT_PRIORITY_LABEL, labelValue(alert.priority()))
        .addToAnnotations(CheckpointPolicy.ALERT_ANNOTATION, annotation(alert))
        .build());
    fcp.getMetadata().getLabels().values().removeIf(String::isEmpty);
    fcp.setSpec(fcpSpec);
    return fcp;
  }

  /** A label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric; "" when nothing is left. */
  static String labelValue(String text) {
    if (text == null) {
      return "";
    }
    String v = text.replaceAll("[^A-Za-z0-9._-]+", "_");
    v = v.length() > 63 ? v.substring(0, 63) : v;
    return v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
  }

  /** The alert's fields as JSON, at most 8 KiB: what the custody record and a reader of the object see. */
  private String annotation(Alert alert) {
    ObjectNode node = json.createObjectNode();
    node.put("source", alert.source().name());
    node.put("rule", alert.rule());
    node.put("priority", alert.priority());
    node.put("time", alert.time());
    if (alert.output() != null) {
      node.put("output", alert.output().length() > 2048 ? alert.output().substring(0, 2048) : alert.output());
    }
    ObjectNode fields = node.putObject("fields");
    int size = node.toString().length();
    for (Map.Entry<String, String> f : alert.fields().entrySet()) {
      size += f.getKey().length() + f.getValue().length() + 8;
      if (size > MAX_ANNOTATION) {
        node.put("truncated", true);
        break;
      }
      fields.put(f.getKey(), f.getValue());
    }
    return node.toString();
  }
}
