package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator decided and what the sandbox pod does; only the operator writes it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointRestoreStatus {

  @JsonPropertyDescription("Pending, Creating, Running or Failed.")
  private RestorePhase phase;

  @JsonPropertyDescription("The sandbox pod, in this namespace, once created.")
  private String podName;

  @JsonPropertyDescription("The checkpoint image the sandbox pod runs, by digest: spec.image, or the container's"
      + " export.reference in the ForensicCheckpoint.")
  private String image;

  @JsonPropertyDescription("Node the sandbox pod is pinned to.")
  private String nodeName;

  @JsonPropertyDescription("The node's container runtime and version as its status reports it (for example"
      + " cri-o://1.33.2), and whether the operator's configuration overrode the decision.")
  private String runtime;

  @JsonPropertyDescription("One-line human summary of the current state; when Failed, what to do about it.")
  private String message;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready (True while the restored container runs) and Failed (True when refused or the pod"
      + " failed); their reasons are listed in docs/status-and-reasons.md.")
  private List<Condition> conditions = new ArrayList<>();

  public RestorePhase getPhase() {
    return phase;
  }

  public void setPhase(RestorePhase phase) {
    this.phase = phase;
  }

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getRuntime() {
    return runtime;
  }

  public void setRuntime(String runtime) {
    this.runtime = runtime;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
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
