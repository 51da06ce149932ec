package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** Which Falco (or Falcosidekick) alerts a policy acts on; every given criterion must hold. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FalcoSelector {

  /** An output field name as Falco writes them: k8s.pod.name, container.id, proc.aname[2], ... */
  public static final String FIELD_NAME_PATTERN = "^[A-Za-z0-9_.\\[\\]-]+$";

  @Size(min = 1, max = 50)
  @ValidationRule(value = "self.all(r, size(r) > 0 && !r.matches(r'" + ForensicCheckpointSpec.UNPRINTABLE + "'))",
      message = "falco.rules entries must be non-empty printable rule names or patterns (* any run, ? one character)")
  @JsonPropertyDescription("Falco rule names, each exact or a pattern where * matches any run of characters and ?"
      + " one character (e.g. 'Terminal shell in container', 'Write below *'). Omit to accept every rule.")
  private List<@Size(max = 256) String> rules;

  @JsonPropertyDescription("Lowest Falco priority acted on: Debug, Informational, Notice, Warning, Error, Critical,"
      + " Alert or Emergency. Omit to accept every priority.")
  private FalcoPriority minimumPriority;

  @Size(max = 20)
  @JsonPropertyDescription("Tags the alert must all carry (e.g. container, mitre_execution).")
  private List<@Size(min = 1, max = 128) String> tags;

  @Size(max = 20)
  @JsonPropertyDescription("Output fields the alert must carry with a value (e.g. container.id, k8s.pod.name).")
  private List<@Size(min = 1, max = 128) @Pattern(FIELD_NAME_PATTERN) String> requiredOutputFields;

  public List<String> getRules() {
    return rules;
  }

  public void setRules(List<String> rules) {
    this.rules = rules;
  }

  public FalcoPriority getMinimumPriority() {
    return minimumPriority;
  }

  public void setMinimumPriority(FalcoPriority minimumPriority) {
    this.minimumPriority = minimumPriority;
  }

  public List<String> getTags() {
    return tags;
  }

  public void setTags(List<String> tags) {
    this.tags = tags;
  }

  public List<String> getRequiredOutputFields() {
    return requiredOutputFields;
  }

  public void setRequiredOutputFields(List<String> requiredOutputFields) {
    this.requiredOutputFields = requiredOutputFields;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FalcoSelector other && Objects.equals(rules, other.rules)
        && minimumPriority == other.minimumPriority && Objects.equals(tags, other.tags)
        && Objects.equals(requiredOutputFields, other.requiredOutputFields);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rules, minimumPriority, tags, requiredOutputFields);
  }
}
