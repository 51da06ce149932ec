package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * Containment of a pod a policy checkpointed (issue 15): after its evidence is stored, the pod is
 * labelled and a deny-all NetworkPolicy selects it. Evidence first, then contain.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContainmentSpec {

  @JsonPropertyDescription("Contain the pod once every container's evidence is stored and verified (EvidenceStored"
      + " True): label it " + ContainmentStatus.POD_LABEL + "=<ForensicCheckpoint name> and ensure the deny-all"
      + " (ingress and egress) NetworkPolicy " + ContainmentStatus.NETWORK_POLICY + " selecting that label in its"
      + " namespace. Removing the label lifts it. Needs the chart's alerts.containment.enabled too. Default false.")
  private Boolean enabled;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public boolean enabledOrDefault() {
    return Boolean.TRUE.equals(enabled);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContainmentSpec other && Objects.equals(enabled, other.enabled);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(enabled);
  }
}
