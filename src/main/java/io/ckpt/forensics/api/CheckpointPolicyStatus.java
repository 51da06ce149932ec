package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * What alerts did under a policy: counters since the policy was created (kept across operator restarts),
 * the last alert, and a Ready condition. Only the operator writes it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointPolicyStatus {

  @JsonPropertyDescription("Alerts whose fields this policy's selectors accepted.")
  private long matched;

  @JsonPropertyDescription("ForensicCheckpoints created (with dryRun: that would have been created).")
  private long created;

  @JsonPropertyDescription("Matched alerts that created nothing because the same pod and container were checkpointed"
      + " within dedupWindowSeconds.")
  private long deduplicated;

  @JsonPropertyDescription("Matched alerts that created nothing because the namespace had reached"
      + " maxCheckpointsPerHour.")
  private long rateLimited;

  @JsonPropertyDescription("Matched alerts whose target could not be resolved: pod gone, container not in the pod,"
      + " or pod labels outside podSelector; lastUnmatchedReason says why for the last one.")
  private long unmatched;

  @JsonPropertyDescription("When the last matched alert arrived (RFC 3339).")
  private String lastAlertTime;

  @JsonPropertyDescription("Name of the last ForensicCheckpoint created (or, with dryRun, that would have been).")
  private String lastCheckpoint;

  @JsonPropertyDescription("Why the last unmatched alert was not acted on.")
  private String lastUnmatchedReason;

  @JsonPropertyDescription("The metadata.generation the Ready condition describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready: True while the operator applies the policy (reason Active or DryRun); False with"
      + " reason InvalidPolicy and a message naming the field to fix.")
  private List<Condition> conditions = new ArrayList<>();

  public long getMatched() {
    return matched;
  }

  public void setMatched(long matched) {
    this.matched = matched;
  }

  public long getCreated() {
    return created;
  }

  public void setCreated(long created) {
    this.created = created;
  }

  public long getDeduplicated() {
    return deduplicated;
  }

  public void setDeduplicated(long deduplicated) {
    this.deduplicated = deduplicated;
  }

  public long getRateLimited() {
    return rateLimited;
  }

  public void setRateLimited(long rateLimited) {
    this.rateLimited = rateLimited;
  }

  public long getUnmatched() {
    return unmatched;
  }

  public void setUnmatched(long unmatched) {
    this.unmatched = unmatched;
  }

  public String getLastAlertTime() {
    return lastAlertTime;
  }

  public void setLastAlertTime(String lastAlertTime) {
    this.lastAlertTime = lastAlertTime;
  }

  public String getLastCheckpoint() {
    return lastCheckpoint;
  }

  public void setLastCheckpoint(String lastCheckpoint) {
    this.lastCheckpoint = lastCheckpoint;
  }

  public String getLastUnmatchedReason() {
    return lastUnmatchedReason;
  }

  public void setLastUnmatchedReason(String lastUnmatchedReason) {
    this.lastUnmatchedReason = lastUnmatchedReason;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
