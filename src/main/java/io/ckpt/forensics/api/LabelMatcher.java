package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** One Alertmanager-style label matcher: name, operator (= != =~ !~) and value. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(self.operator in ['=~', '!~']) || size(self.value) > 0",
    message = "a regular-expression matcher (=~ or !~) needs a non-empty value")
public class LabelMatcher {

  @Required
  @Size(min = 1, max = 128)
  @Pattern("^[A-Za-z_][A-Za-z0-9_]*$")
  @JsonPropertyDescription("Alert label name (Prometheus label syntax: letters, digits, underscore).")
  private String name;

  @Required
  @Pattern("^(=|!=|=~|!~)$")
  @JsonPropertyDescription("= equal, != not equal, =~ matches the regular expression (anchored, as in"
      + " Alertmanager), !~ does not match it.")
  private String operator;

  @Required
  @Size(max = 256)
  @JsonPropertyDescription("The value, or the regular expression for =~ and !~.")
  private String value;

  public LabelMatcher() {
  }

  public LabelMatcher(String name, String operator, String value) {
    this.name = name;
    this.operator = operator;
    this.value = value;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getOperator() {
    return operator;
  }

  public void setOperator(String operator) {
    this.operator = operator;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelMatcher other && Objects.equals(name, other.name)
        && Objects.equals(operator, other.operator) && Objects.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, operator, value);
  }
}
