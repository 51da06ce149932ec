package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the operator observed and did; only the operator writes it, through the status subresource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForensicCheckpointStatus {

  @JsonPropertyDescription("Pending, Running, Succeeded, PartiallySucceeded or Failed.")
  private CheckpointPhase phase;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Node the pod ran on when the checkpoint started.")
  private String nodeName;

  @JsonPropertyDescription("UID of the pod that was checkpointed; a recreated pod with the same name has another.")
  private String podUID;

  @JsonPropertyDescription("When the operator started on this object (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the object reached a terminal phase (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription("One-line human summary of the current state.")
  private String message;

  @JsonPropertyDescription("Why the whole checkpoint failed before any container was tried: pod missing, not"
      + " scheduled, not running, or the operator could not read it.")
  private CheckpointFailure failure;

  @JsonPropertyDescription("Ready (reasons Pending, CheckpointInProgress, CheckpointCompleted, CheckpointFailed) and Failed.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("With spec.series: the rounds taken so far; the containers' entries describe the current"
      + " round.")
  private SeriesStatus series;

  @JsonPropertyDescription("For an object made by a CheckpointPolicy with containment: whether its pod was contained"
      + " (after the evidence was stored), where, when, or why not. Written once.")
  private ContainmentStatus containment;

  @JsonPropertyDescription("One entry per selected container.")
  private List<ContainerCheckpointStatus> containers = new ArrayList<>();

  public Optional<ContainerCheckpointStatus> container(String name) {
    return containers.stream().filter(c -> c.getName().equals(name)).findFirst();
  }

  public CheckpointPhase getPhase() {
    return phase;
  }

  public void setPhase(CheckpointPhase phase) {
    this.phase = phase;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getPodUID() {
    return podUID;
  }

  public void setPodUID(String podUID) {
    this.podUID = podUID;
  }

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public CheckpointFailure getFailure() {
    return failure;
  }

  public void setFailure(CheckpointFailure failure) {
    this.failure = failure;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? new ArrayList<>() : conditions;
  }

  public SeriesStatus getSeries() {
    return series;
  }

  public void setSeries(SeriesStatus series) {
    this.series = series;
  }

  public ContainmentStatus getContainment() {
    return containment;
  }

  public void setContainment(ContainmentStatus containment) {
    this.containment = containment;
  }

  public List<ContainerCheckpointStatus> getContainers() {
    return containers;
  }

  public void setContainers(List<ContainerCheckpointStatus> containers) {
    this.containers = containers == null ? new ArrayList<>() : containers;
  }
}
