package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The containment decision for one ForensicCheckpoint, written once: a restarted operator that finds
 * it does nothing again (so a pod whose label someone removed is not labelled again).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContainmentStatus {

  /** The label that puts a pod under the deny-all NetworkPolicy; its value names the ForensicCheckpoint. */
  public static final String POD_LABEL = ForensicCheckpoint.GROUP + "/contained";
  /** The one deny-all NetworkPolicy per namespace, selecting pods that carry {@link #POD_LABEL}. */
  public static final String NETWORK_POLICY = "forensics-containment";

  @JsonPropertyDescription("Contained or NotContained.")
  private ContainmentState state;

  @JsonPropertyDescription("The contained pod, namespace/name.")
  private String pod;

  @JsonPropertyDescription("The NetworkPolicy that isolates it, namespace/name.")
  private String networkPolicy;

  @JsonPropertyDescription("When it was decided (RFC 3339).")
  private String at;

  @JsonPropertyDescription("What was done, or why nothing was, and how to lift it.")
  private String message;

  public static ContainmentStatus of(ContainmentState state, String pod, String networkPolicy, String at,
      String message) {
    ContainmentStatus s = new ContainmentStatus();
    s.state = state;
    s.pod = pod;
    s.networkPolicy = networkPolicy;
    s.at = at;
    s.message = message;
    return s;
  }

  public ContainmentState getState() {
    return state;
  }

  public void setState(ContainmentState state) {
    this.state = state;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getNetworkPolicy() {
    return networkPolicy;
  }

  public void setNetworkPolicy(String networkPolicy) {
    this.networkPolicy = networkPolicy;
  }

  public String getAt() {
    return at;
  }

  public void setAt(String at) {
    this.at = at;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
