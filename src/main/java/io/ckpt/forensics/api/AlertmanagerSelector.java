package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/** Which Alertmanager alerts (webhook receiver) a policy acts on: every matcher must hold. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AlertmanagerSelector {

  @Required
  @Size(min = 1, max = 20)
  @JsonPropertyDescription("Label matchers the alert must all satisfy, e.g. {name: alertname, operator: '=',"
      + " value: CryptoMinerDetected}. The alert must also carry namespace and pod labels naming the target.")
  private List<LabelMatcher> matchers;

  public List<LabelMatcher> getMatchers() {
    return matchers;
  }

  public void setMatchers(List<LabelMatcher> matchers) {
    this.matchers = matchers;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AlertmanagerSelector other && Objects.equals(matchers, other.matchers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(matchers);
  }
}
