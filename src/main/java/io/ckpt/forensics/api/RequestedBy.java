package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/**
 * Who created a ForensicCheckpoint, as the API server authenticated the create request. The chart's
 * MutatingAdmissionPolicy writes it from {@code request.userInfo} (replacing whatever the creator
 * wrote) and its ValidatingAdmissionPolicy refuses any value that is not the creator's own; the
 * spec is immutable, so nobody can change it afterwards. When the operator itself created the object
 * for an alert, {@link #getOnBehalfOf()} names the CheckpointPolicy and the alert; for every other
 * creator it is absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RequestedBy {

  @JsonPropertyDescription("User name the API server authenticated, e.g. alice@example.com or "
      + "system:serviceaccount:ns:name.")
  private String username;

  @JsonPropertyDescription("The user's UID, when the authenticator provides one.")
  private String uid;

  @JsonPropertyDescription("The user's groups as authenticated.")
  private List<String> groups;

  @JsonPropertyDescription("Set only when the operator's ServiceAccount created the object for an alert: "
      + "the CheckpointPolicy and the alert it acted for. Written by the cluster, never by the creator.")
  private OnBehalfOf onBehalfOf;

  public RequestedBy() {
  }

  public RequestedBy(String username, String uid, List<String> groups) {
    this.username = username;
    this.uid = uid;
    this.groups = groups;
  }

  public String getUsername() {
    return username;
  }

  public void setUsername(String username) {
    this.username = username;
  }

  public String getUid() {
    return uid;
  }

  public void setUid(String uid) {
    this.uid = uid;
  }

  public List<String> getGroups() {
    return groups;
  }

  public void setGroups(List<String> groups) {
    this.groups = groups;
  }

  public OnBehalfOf getOnBehalfOf() {
    return onBehalfOf;
  }

  public void setOnBehalfOf(OnBehalfOf onBehalfOf) {
    this.onBehalfOf = onBehalfOf;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RequestedBy other && Objects.equals(username, other.username)
        && Objects.equals(uid, other.uid) && Objects.equals(groups, other.groups)
        && Objects.equals(onBehalfOf, other.onBehalfOf);
  }

  @Override
  public int hashCode() {
    return Objects.hash(username, uid, groups, onBehalfOf);
  }
}
