package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.Objects;

/**
 * Which alerts act on which pods of this namespace, and the guards on what they may create. An alert
 * is taken by the first policy (by name) whose selectors all hold.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.falco) || has(self.alertmanager)",
    message = "select some alerts: set falco (Falco/Falcosidekick alerts), alertmanager (Alertmanager alerts) or both")
public class CheckpointPolicySpec {

  /** Placeholders a reason or caseId template may use, each in braces. */
  public static final String PLACEHOLDERS = "rule|priority|output|time|source|policy|namespace|pod|container";
  /** A template: text where every brace opens a known placeholder. */
  static final String TEMPLATE = "^([^{}]|\\{(" + PLACEHOLDERS + ")\\})*$";
  static final String TEMPLATE_MESSAGE = " may use only the placeholders {rule} {priority} {output} {time} {source}"
      + " {policy} {namespace} {pod} {container}, and no other braces";
  public static final int DEFAULT_DEDUP_WINDOW_SECONDS = 600;
  public static final int DEFAULT_MAX_PER_HOUR = 10;
  public static final int MAX_PER_HOUR = 1000;
  public static final String DEFAULT_REASON_TEMPLATE = "{source} alert {rule} ({priority}) at {time}: {output}";

  @JsonPropertyDescription("Act on Falco alerts (Falco http_output or Falcosidekick webhook) that satisfy all of"
      + " these. Omit to ignore Falco alerts.")
  private FalcoSelector falco;

  @JsonPropertyDescription("Act on Alertmanager webhook alerts that satisfy all of these matchers. Omit to ignore"
      + " Alertmanager alerts.")
  private AlertmanagerSelector alertmanager;

  @JsonPropertyDescription("Only pods whose labels match this selector (matchLabels, matchExpressions). Omit for every"
      + " pod of the namespace.")
  private LabelSelector podSelector;

  @JsonPropertyDescription("Alerting (default): only the container the alert names; All: every running container of"
      + " the pod.")
  private AlertContainers containers;

  @Min(0)
  @Max(86_400)
  @JsonPropertyDescription("Seconds after a checkpoint of a pod's container during which further alerts for the same"
      + " pod and container create nothing (counted as deduplicated). Default 600 (10 minutes); 0 turns it off.")
  private Integer dedupWindowSeconds;

  @Min(1)
  @Max(MAX_PER_HOUR)
  @JsonPropertyDescription("At most this many ForensicCheckpoints created from alerts in this namespace in any"
      + " sliding hour (all policies of the namespace together); further alerts are counted as rateLimited."
      + " Default 10.")
  private Integer maxCheckpointsPerHour;

  @JsonPropertyDescription("Record what would have been created (status, events) without creating anything.")
  private Boolean dryRun;

  @Size(min = 1, max = 512)
  @ValidationRule(value = "self.matches(r'" + TEMPLATE + "')", message = "reasonTemplate" + TEMPLATE_MESSAGE)
  @JsonPropertyDescription("The created object's spec.reason. Placeholders: {rule} {priority} {output} {time} {source}"
      + " {policy} {namespace} {pod} {container}. Control characters in alert fields become spaces and the result is"
      + " cut at 1024 characters. Default: '" + DEFAULT_REASON_TEMPLATE + "'.")
  private String reasonTemplate;

  @Size(min = 1, max = 128)
  @ValidationRule(value = "self.matches(r'" + TEMPLATE + "')", message = "caseIdTemplate" + TEMPLATE_MESSAGE)
  @JsonPropertyDescription("The created object's spec.caseId, same placeholders; characters a caseId does not allow"
      + " become '-', cut at 128. Omit for no caseId.")
  private String caseIdTemplate;

  @JsonPropertyDescription("Optional containment of the checkpointed pod once its evidence is stored and verified"
      + " (docs/alerts.md#containment). Off by default.")
  private ContainmentSpec containment;

  public FalcoSelector getFalco() {
    return falco;
  }

  public void setFalco(FalcoSelector falco) {
    this.falco = falco;
  }

  public AlertmanagerSelector getAlertmanager() {
    return alertmanager;
  }

  public void setAlertmanager(AlertmanagerSelector alertmanager) {
    this.alertmanager = alertmanager;
  }

  public LabelSelector getPodSelector() {
    return podSelector;
  }

  public void setPodSelector(LabelSelector podSelector) {
    this.podSelector = podSelector;
  }

  public AlertContainers getContainers() {
    return containers;
  }

  public void setContainers(AlertContainers containers) {
    this.containers = containers;
  }

  public Integer getDedupWindowSeconds() {
    return dedupWindowSeconds;
  }

  public void setDedupWindowSeconds(Integer dedupWindowSeconds) {
    this.dedupWindowSeconds = dedupWindowSeconds;
  }

  public Integer getMaxCheckpointsPerHour() {
    return maxCheckpointsPerHour;
  }

  public void setMaxCheckpointsPerHour(Integer maxCheckpointsPerHour) {
    this.maxCheckpointsPerHour = maxCheckpointsPerHour;
  }

  public Boolean getDryRun() {
    return dryRun;
  }

  public void setDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
  }

  public String getReasonTemplate() {
    return reasonTemplate;
  }

  public void setReasonTemplate(String reasonTemplate) {
    this.reasonTemplate = reasonTemplate;
  }

  public String getCaseIdTemplate() {
    return caseIdTemplate;
  }

  public void setCaseIdTemplate(String caseIdTemplate) {
    this.caseIdTemplate = caseIdTemplate;
  }

  public ContainmentSpec getContainment() {
    return containment;
  }

  public void setContainment(ContainmentSpec containment) {
    this.containment = containment;
  }

  public boolean containmentOrDefault() {
    return containment != null && containment.enabledOrDefault();
  }

  /** The effective values, defaults filled in. */
  public AlertContainers containersOrDefault() {
    return containers != null ? containers : AlertContainers.Alerting;
  }

  public int dedupWindowSecondsOrDefault() {
    return dedupWindowSeconds != null ? dedupWindowSeconds : DEFAULT_DEDUP_WINDOW_SECONDS;
  }

  public int maxCheckpointsPerHourOrDefault() {
    return maxCheckpointsPerHour != null ? maxCheckpointsPerHour : DEFAULT_MAX_PER_HOUR;
  }

  public boolean dryRunOrDefault() {
    return Boolean.TRUE.equals(dryRun);
  }

  public String reasonTemplateOrDefault() {
    return reasonTemplate != null ? reasonTemplate : DEFAULT_REASON_TEMPLATE;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CheckpointPolicySpec other && Objects.equals(falco, other.falco)
        && Objects.equals(alertmanager, other.alertmanager) && Objects.equals(podSelector, other.podSelector)
        && containers == other.containers && Objects.equals(dedupWindowSeconds, other.dedupWindowSeconds)
        && Objects.equals(maxCheckpointsPerHour, other.maxCheckpointsPerHour) && Objects.equals(dryRun, other.dryRun)
        && Objects.equals(reasonTemplate, other.reasonTemplate) && Objects.equals(caseIdTemplate, other.caseIdTemplate)
        && Objects.equals(containment, other.containment);
  }

  @Override
  public int hashCode() {
    return Objects.hash(falco, alertmanager, podSelector, containers, dedupWindowSeconds, maxCheckpointsPerHour,
        dryRun, reasonTemplate, caseIdTemplate, containment);
  }
}
