package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/**
 * For whom the operator created a ForensicCheckpoint: the CheckpointPolicy (in the object's
 * namespace) that accepted an alert, and that alert as the operator recorded it. The chart's
 * MutatingAdmissionPolicy copies it from the object's {@value CheckpointPolicy#POLICY_LABEL} label
 * and {@value CheckpointPolicy#ALERT_ANNOTATION} annotation only when the operator's own
 * ServiceAccount makes the create; for any other creator it removes it, and the
 * ValidatingAdmissionPolicy refuses a value that does not match. It is the operator's word about the
 * alert (the receiver authenticated the sender), not a person's identity.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OnBehalfOf {

  /** The only kind the operator acts for. */
  public static final String POLICY_KIND = "CheckpointPolicy";

  /** Room for the alert annotation (at most 8 KiB of characters before JSON escaping). */
  static final int MAX_ALERT = 32768;

  @Required
  @Pattern("^CheckpointPolicy$")
  @JsonPropertyDescription("Always CheckpointPolicy.")
  private String kind;

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("The CheckpointPolicy's name, in this object's namespace.")
  private String name;

  @Size(max = MAX_ALERT)
  @JsonPropertyDescription("The alert the policy acted on, as JSON (source, rule, priority, time, output, "
      + "fields), verbatim from the forensics.ckpt.io/alert annotation the operator wrote.")
  private String alert;

  public OnBehalfOf() {
  }

  public OnBehalfOf(String kind, String name, String alert) {
    this.kind = kind;
    this.name = name;
    this.alert = alert;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getAlert() {
    return alert;
  }

  public void setAlert(String alert) {
    this.alert = alert;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OnBehalfOf other && Objects.equals(kind, other.kind) && Objects.equals(name, other.name)
        && Objects.equals(alert, other.alert);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name, alert);
  }
}
