package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class AllowingPoliciesTest {

  static final Map<String, String> SANDBOX = Map.of("forensics.ckpt.io/restore", "inc42");

  static NetworkPolicy policy(String name, UnaryOperator<NetworkPolicyBuilder> shape) {
    return shape.apply(new NetworkPolicyBuilder().withNewMetadata().withName(name).endMetadata()).build();
  }

  @Test
  void namesThePoliciesThatSelectTheSandboxAndAllowSomething() {
    List<NetworkPolicy> policies = List.of(
        policy("inc42-sandbox", b -> b.withNewSpec().withNewPodSelector().withMatchLabels(SANDBOX).endPodSelector()
            .withPolicyTypes("Ingress", "Egress").endSpec()),
        policy("allow-same-namespace", b -> b.withNewSpec().withNewPodSelector().endPodSelector()
            .addNewIngress().addNewFrom().withNewPodSelector().endPodSelector().endFrom().endIngress().endSpec()),
        policy("allow-dns-egress", b -> b.withNewSpec().withNewPodSelector().addNewMatchExpression()
            .withKey("app").withOperator("DoesNotExist").endMatchExpression().endPodSelector()
            .addNewEgress().addNewPort().withProtocol("UDP").endPort().endEgress().endSpec()),
        policy("web-only", b -> b.withNewSpec().withNewPodSelector().addToMatchLabels("app", "web").endPodSelector()
            .addNewIngress().endIngress().endSpec()),
        policy("not-web", b -> b.withNewSpec().withNewPodSelector().addNewMatchExpression().withKey("app")
            .withOperator("In").withValues("web").endMatchExpression().endPodSelector()
            .addNewIngress().endIngress().endSpec()),
        policy("deny-all-namespace", b -> b.withNewSpec().withNewPodSelector().endPodSelector()
            .withPolicyTypes("Ingress").endSpec()));

    assertThat(AllowingPolicies.selecting(SANDBOX, policies, "inc42-sandbox"))
        .containsExactly("allow-dns-egress", "allow-same-namespace");
  }

  @Test
  void selectorSemantics() {
    assertThat(AllowingPolicies.selects(null, SANDBOX)).isTrue();
    var notIn = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addNewMatchExpression()
        .withKey("forensics.ckpt.io/restore").withOperator("NotIn").withValues("other").endMatchExpression().build();
    var exists = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addNewMatchExpression()
        .withKey("forensics.ckpt.io/restore").withOperator("Exists").endMatchExpression().build();
    var otherValue = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
        .addToMatchLabels("forensics.ckpt.io/restore", "other").build();

    assertThat(AllowingPolicies.selects(notIn, SANDBOX)).isTrue();
    assertThat(AllowingPolicies.selects(exists, SANDBOX)).isTrue();
    assertThat(AllowingPolicies.selects(otherValue, SANDBOX)).isFalse();
  }
}
