package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What the pod looked like when a successful kubelet call ended, when that differs from what was
 * recorded before the call. The kubelet finds the container by namespace, pod name and container
 * name, not by UID or container ID, so if either changed during the call the archive may be of the
 * replacement; status then says so rather than claiming the identity read before the call.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IdentityChange {

  @JsonPropertyDescription("The pod's UID when the call ended (absent if the pod no longer existed or could not be read).")
  private String podUID;

  @JsonPropertyDescription("The container's runtime ID when the call ended (absent if unknown).")
  private String containerID;

  @JsonPropertyDescription("What changed and what it means for the archive.")
  private String message;

  public IdentityChange() {
  }

  public IdentityChange(String podUID, String containerID, String message) {
    this.podUID = podUID;
    this.containerID = containerID;
    this.message = message;
  }

  public String getPodUID() {
    return podUID;
  }

  public void setPodUID(String podUID) {
    this.podUID = podUID;
  }

  public String getContainerID() {
    return containerID;
  }

  public void setContainerID(String containerID) {
    this.containerID = containerID;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
