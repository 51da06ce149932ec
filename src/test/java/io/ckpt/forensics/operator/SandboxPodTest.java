package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointRestore;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox's objects: every isolation field set, owned by the restore, labelled only as evidence. */
class SandboxPodTest {

  static final String IMAGE = "registry.lab:5000/ckpt/nettools@sha256:" + "cd".repeat(32);

  static CheckpointRestore restore() {
    CheckpointRestore restore = new CheckpointRestore();
    restore.setMetadata(new ObjectMetaBuilder().withName("inc42").withNamespace("dev").withUid("fcr-uid").build());
    return restore;
  }

  static Pod pod(String originalPod, Long runAsUser, String runtimeClass) {
    return SandboxPod.pod(restore(), new SandboxPod.Plan("nettools-inc42", "nettools", originalPod, IMAGE,
        "sandbox-1", runtimeClass, runAsUser, runAsUser == null ? null : 2000L));
  }

  @Test
  void thePodIsLockedDownPinnedAndMarkedAsEvidence() {
    Pod pod = pod("nettools", null, "gvisor");

    assertThat(pod.getMetadata().getName()).isEqualTo("inc42-sandbox");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("dev");
    assertThat(pod.getMetadata().getLabels()).isEqualTo(Map.of("forensics.ckpt.io/restore", "inc42"));
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("forensics.ckpt.io/checkpoint", "nettools-inc42")
        .containsEntry("forensics.ckpt.io/container", "nettools")
        .containsEntry("forensics.ckpt.io/original-pod", "nettools");
    assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("CheckpointRestore");
      assertThat(o.getApiVersion()).isEqualTo("forensics.ckpt.io/v1alpha1");
      assertThat(o.getUid()).isEqualTo("fcr-uid");
      assertThat(o.getController()).isTrue();
    });
    var spec = pod.getSpec();
    assertThat(spec.getNodeName()).isEqualTo("sandbox-1");
    assertThat(spec.getRuntimeClassName()).isEqualTo("gvisor");
    assertThat(spec.getServiceAccountName()).isEqualTo("inc42-sandbox");
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    assertThat(List.of(spec.getHostNetwork(), spec.getHostPID(), spec.getHostIPC(), spec.getShareProcessNamespace(),
        spec.getEnableServiceLinks())).containsOnly(false);
    assertThat(spec.getHostname()).isEqualTo("nettools");
    assertThat(spec.getRestartPolicy()).isEqualTo("Never");
    assertThat(spec.getVolumes()).isEmpty();
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(spec.getSecurityContext().getRunAsNonRoot()).isNull();
    assertThat(spec.getContainers()).singleElement().satisfies(c -> {
      assertThat(c.getName()).isEqualTo("nettools");
      assertThat(c.getImage()).isEqualTo(IMAGE);
      assertThat(c.getVolumeMounts()).isEmpty();
      assertThat(c.getSecurityContext().getPrivileged()).isFalse();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(c.getSecurityContext().getCapabilities().getAdd()).isEmpty();
      assertThat(c.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    });
  }

  @Test
  void aKnownNonRootUserIsRequiredAndOddHostnamesAreLeftToTheKubelet() {
    Pod pod = pod("nettools.v2", 1001L, null);

    assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(1001L);
    assertThat(pod.getSpec().getSecurityContext().getRunAsGroup()).isEqualTo(2000L);
    assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSpec().getHostname()).isNull();
    assertThat(pod.getSpec().getRuntimeClassName()).isNull();
  }

  @Test
  void theNetworkPolicyDeniesEverythingForThisPodOnly() {
    NetworkPolicy policy = SandboxPod.denyAll(restore());

    assertThat(policy.getMetadata().getName()).isEqualTo("inc42-sandbox");
    assertThat(policy.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo("fcr-uid"));
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(Map.of("forensics.ckpt.io/restore", "inc42"));
    assertThat(policy.getSpec().getPodSelector().getMatchExpressions()).isEmpty();
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(policy.getSpec().getIngress()).isEmpty();
    assertThat(policy.getSpec().getEgress()).isEmpty();
  }

  @Test
  void theServiceAccountNeverMountsATokenAndIsOwned() {
    var account = SandboxPod.serviceAccount(restore());

    assertThat(account.getMetadata().getName()).isEqualTo("inc42-sandbox");
    assertThat(account.getAutomountServiceAccountToken()).isFalse();
    assertThat(SandboxPod.ownedBy(account, restore())).isTrue();
    assertThat(account.getSecrets()).isEmpty();
  }
}
