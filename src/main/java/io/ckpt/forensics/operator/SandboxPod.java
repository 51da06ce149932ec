package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The objects of one sandbox restore, all owned by the CheckpointRestore (deleting it deletes them): a
 * ServiceAccount with no rights and no token, a deny-all NetworkPolicy, and the locked-down pod that
 * runs the checkpoint image. Pure: builds, never calls the API.
 *
 * <p>The pod carries one label, {@link CheckpointRestore#RESTORE_LABEL}, and none of the original pod's:
 * a Service or controller of the original workload never selects it. What the lock-down can and cannot
 * do is in docs/security.md#sandbox-restore.
 */
final class SandboxPod {

  /** Every object of a restore is named after it, with this suffix. */
  static final String SUFFIX = "-sandbox";
  static final String CHECKPOINT_ANNOTATION = ForensicCheckpoint.GROUP + "/checkpoint";
  static final String CONTAINER_ANNOTATION = ForensicCheckpoint.GROUP + "/container";
  static final String ORIGINAL_POD_ANNOTATION = ForensicCheckpoint.GROUP + "/original-pod";
  static final String PURPOSE_ANNOTATION = ForensicCheckpoint.GROUP + "/purpose";
  static final String PURPOSE = "evidence: a checkpointed container restored for analysis; isolated, never serves";
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /**
   * What the pod is made of.
   *
   * @param originalPod the checkpointed pod's name: the sandbox's hostname, so the restored process sees the
   *     name it had (when it is a DNS label)
   * @param runAsUser the original container's non-zero runAsUser when it declared one, else null (see
   *     docs/restore.md#the-sandbox-pod for why the sandbox cannot insist on a non-root user otherwise)
   */
  record Plan(String checkpointName, String container, String originalPod, String image, String nodeName,
      String runtimeClassName, Long runAsUser, Long runAsGroup) {
  }

  private SandboxPod() {
  }

  static String name(CheckpointRestore restore) {
    return restore.getMetadata().getName() + SUFFIX;
  }

  static Map<String, String> labels(CheckpointRestore restore) {
    return Map.of(CheckpointRestore.RESTORE_LABEL, restore.getMetadata().getName());
  }

  static OwnerReference owner(CheckpointRestore restore) {
    // no blockOwnerDeletion: it would need update on checkpointrestores/finalizers, and nothing waits on it
    return new OwnerReferenceBuilder().withApiVersion(restore.getApiVersion()).withKind(restore.getKind())
        .withName(restore.getMetadata().getName()).withUid(restore.getMetadata().getUid()).withController(true)
        .build();
  }

  /** True when {@code object} was made for {@code restore} (owned by it, by UID). */
  static boolean ownedBy(HasMetadata object, CheckpointRestore restore) {
    return object.getMetadata().getOwnerReferences() != null && object.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> restore.getMetadata().getUid().equals(o.getUid()));
  }

  /** No token is ever mounted for it and nothing is bound to it: the pod runs with no API identity worth having. */
  static ServiceAccount serviceAccount(CheckpointRestore restore) {
    return new ServiceAccountBuilder().withNewMetadata().withName(name(restore))
        .withNamespace(restore.getMetadata().getNamespace()).withLabels(labels(restore))
        .withOwnerReferences(owner(restore)).endMetadata()
        .withAutomountServiceAccountToken(false).build();
  }

  /** Ingress and egress with no rule, for this restore's pod only. */
  static NetworkPolicy denyAll(CheckpointRestore restore) {
    return new NetworkPolicyBuilder().withNewMetadata().withName(name(restore))
        .withNamespace(restore.getMetadata().getNamespace()).withLabels(labels(restore))
        .withOwnerReferences(owner(restore))
        .addToAnnotations(PURPOSE_ANNOTATION, "isolates the sandbox pod of CheckpointRestore "
            + restore.getMetadata().getName() + ": nothing in, nothing out")
        .endMetadata()
        .withNewSpec().withNewPodSelector().withMatchLabels(labels(restore)).endPodSelector()
        .withPolicyTypes(List.of("Ingress", "Egress")).endSpec().build();
  }

  static Pod pod(CheckpointRestore restore, Plan plan) {
    String name = name(restore);
    var securityContext = new PodSecurityContextBuilder()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
    if (plan.runAsUser() != null && plan.runAsUser() > 0) {
      securityContext.withRunAsUser(plan.runAsUser()).withRunAsNonRoot(true);
      if (plan.runAsGroup() != null) {
        securityContext.withRunAsGroup(plan.runAsGroup());
      }
    }
    String hostname = plan.originalPod() != null && plan.originalPod().length() <= 63
        && DNS_LABEL.matcher(plan.originalPod()).matches() ? plan.originalPod() : null;
    return new PodBuilder().withNewMetadata().withName(name).withNamespace(restore.getMetadata().getNamespace())
        .withLabels(labels(restore)).withOwnerReferences(owner(restore))
        .addToAnnotations(CHECKPOINT_ANNOTATION, plan.checkpointName())
        .addToAnnotations(CONTAINER_ANNOTATION, plan.container())
        .addToAnnotations(PURPOSE_ANNOTATION, PURPOSE)
        .addToAnnotations(plan.originalPod() == null ? Map.of() : Map.of(ORIGINAL_POD_ANNOTATION, plan.originalPod()))
        .endMetadata()
        .withNewSpec()
        .withNodeName(plan.nodeName())
        .withRuntimeClassName(plan.runtimeClassName())
        .withServiceAccountName(name)
        .withAutomountServiceAccountToken(false)
        .withHostNetwork(false).withHostPID(false).withHostIPC(false)
        .withShareProcessNamespace(false)
        .withEnableServiceLinks(false)
        .withHostname(hostname)
        // a restored process that ends is not restored again behind the analyst's back
        .withRestartPolicy("Never")
        .withSecurityContext(securityContext.build())
        .addNewContainer()
        .withName(plan.container())
        .withImage(plan.image())
        .withImagePullPolicy("IfNotPresent") // by digest: what is on the node is what was asked for
        .withSecurityContext(new SecurityContextBuilder().withPrivileged(false).withAllowPrivilegeEscalation(false)
            .withNewCapabilities().withDrop("ALL").endCapabilities()
            .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build())
        .endContainer()
        .endSpec().build();
  }
}
