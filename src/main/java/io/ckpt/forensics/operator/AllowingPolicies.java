package io.ckpt.forensics.operator;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Map;

/**
 * The other NetworkPolicies of a namespace that select a pod with these labels and allow some traffic.
 * NetworkPolicies add up: a pod is reachable by whatever any policy selecting it allows, so the sandbox's
 * deny-all policy cannot take back what such a policy (typically {@code podSelector: {}} with an allow
 * rule) grants. The operator reports them rather than guess whether the traffic matters. Pure.
 */
final class AllowingPolicies {

  private AllowingPolicies() {
  }

  /** Names of the policies other than {@code own} that select {@code labels} and hold an ingress or egress rule. */
  static List<String> selecting(Map<String, String> labels, List<NetworkPolicy> policies, String own) {
    return policies.stream()
        .filter(p -> !own.equals(p.getMetadata().getName()))
        .filter(p -> p.getSpec() != null && selects(p.getSpec().getPodSelector(), labels))
        .filter(p -> !isEmpty(p.getSpec().getIngress()) || !isEmpty(p.getSpec().getEgress()))
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  /** Label selector semantics: every matchLabels entry and every expression holds; an empty selector selects all. */
  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
        .allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
      return false;
    }
    return selector.getMatchExpressions() == null
        || selector.getMatchExpressions().stream().allMatch(r -> holds(r, labels));
  }

  private static boolean holds(LabelSelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
    return switch (requirement.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> true; // an operator the API server would not admit: count the policy, warn rather than miss it
    };
  }

  private static boolean isEmpty(List<?> rules) {
    return rules == null || rules.isEmpty();
  }
}
