package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainmentState;
import io.ckpt.forensics.api.ContainmentStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Performs the {@link ContainmentPlanner}'s decision for a finished ForensicCheckpoint: ensures the
 * namespace's deny-all NetworkPolicy (selecting pods labelled {@link ContainmentStatus#POD_LABEL}),
 * then labels the pod, then records status.containment and an Event. The policy comes first so a
 * labelled pod is never left without it. The NetworkPolicy has no owner: deleting a
 * ForensicCheckpoint must not lift containment; a policy selecting no pod isolates nothing.
 */
final class PodContainment {

  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String OPERATOR = "forensic-checkpoint";

  private static final Logger LOG = LoggerFactory.getLogger(PodContainment.class);

  private final KubernetesClient client;
  private final AlertsConfig alerts;
  private final boolean custody;
  private final StatusRecorder recorder;
  private final CheckpointEvents events;
  private final Clock clock;

  PodContainment(KubernetesClient client, AlertsConfig alerts, boolean custody, StatusRecorder recorder,
      CheckpointEvents events, Clock clock) {
    this.client = client;
    this.alerts = alerts;
    this.custody = custody;
    this.recorder = recorder;
    this.events = events;
    this.clock = clock;
  }

  /** Decides and acts for a finished object; returns it as it is now (with the status written, if any). */
  ForensicCheckpoint step(ForensicCheckpoint fcp) {
    if (!alerts.enabled() || fcp.getStatus() == null || fcp.getStatus().getContainment() != null
        || !fcp.getMetadata().getLabels().containsKey(CheckpointPolicy.POLICY_LABEL)) {
      return fcp; // cheap refusals first: no policy read for objects that cannot be asked
    }
    ContainmentPlanner.Decision decision = ContainmentPlanner.decide(fcp, policyAsks(fcp), alerts.containment(),
        custody);
    ContainmentStatus result;
    if (decision instanceof ContainmentPlanner.Decision.Refuse refuse) {
      result = ContainmentStatus.of(ContainmentState.NotContained, podRef(fcp), null, Conditions.rfc3339(clock),
          refuse.why());
    } else if (decision instanceof ContainmentPlanner.Decision.Contain) {
      result = contain(fcp);
    } else {
      return fcp;
    }
    try {
      ForensicCheckpoint written = recorder.update(fcp, status -> status.setContainment(result));
      if (result.getState() == ContainmentState.Contained) {
        events.normal(fcp, "Contained", result.getMessage());
      } else {
        events.warning(fcp, "NotContained", result.getMessage());
      }
      LOG.info("containment fcp={}/{} state={} pod={} message={}", fcp.getMetadata().getNamespace(),
          fcp.getMetadata().getName(), result.getState(), result.getPod(), result.getMessage());
      return written;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return fcp; // deleted meanwhile; what was done stays (the label names it)
      }
      throw e;
    }
  }

  /** The object's CheckpointPolicy, read now (once per finished object): does it ask for containment? */
  private boolean policyAsks(ForensicCheckpoint fcp) {
    String name = fcp.getMetadata().getLabels().get(CheckpointPolicy.POLICY_LABEL);
    try {
      CheckpointPolicy policy = client.resources(CheckpointPolicy.class).inNamespace(fcp.getMetadata().getNamespace())
          .withName(name).get();
      return policy != null && policy.getSpec() != null && policy.getSpec().containmentOrDefault();
    } catch (KubernetesClientException e) {
      LOG.warn("containment: policy not read fcp={}/{} policy={} code={}; not contained",
          fcp.getMetadata().getNamespace(), fcp.getMetadata().getName(), name, e.getCode());
      return false;
    }
  }

  private ContainmentStatus contain(ForensicCheckpoint fcp) {
    String namespace = fcp.getMetadata().getNamespace();
    String podName = fcp.getSpec().getPodName();
    String policyRef = namespace + "/" + ContainmentStatus.NETWORK_POLICY;
    try {
      Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
      String uid = fcp.getStatus().getPodUID();
      if (pod == null || uid == null || !uid.equals(pod.getMetadata().getUid())) {
        return ContainmentStatus.of(ContainmentState.NotContained, podRef(fcp), null, Conditions.rfc3339(clock),
            "not contained: the checkpointed pod is gone" + (pod == null ? "" : " (replaced by another with its name)"));
      }
      String problem = ensureNetworkPolicy(namespace);
      if (problem != null) {
        return ContainmentStatus.of(ContainmentState.NotContained, podRef(fcp), policyRef, Conditions.rfc3339(clock),
            problem);
      }
      label(pod, fcp.getMetadata().getName());
      return ContainmentStatus.of(ContainmentState.Contained, podRef(fcp), policyRef, Conditions.rfc3339(clock),
          "evidence stored and verified; pod labelled " + ContainmentStatus.POD_LABEL + "="
              + fcp.getMetadata().getName() + " and isolated by the deny-all NetworkPolicy " + policyRef
              + " (ingress and egress; enforced only by a network plugin that enforces NetworkPolicy). Lift it:"
              + " kubectl label pod -n " + namespace + " " + podName + " " + ContainmentStatus.POD_LABEL + "-");
    } catch (KubernetesClientException e) {
      return ContainmentStatus.of(ContainmentState.NotContained, podRef(fcp), null, Conditions.rfc3339(clock),
          "not contained: the API server refused (HTTP " + e.getCode() + ")" + (e.getCode() == 403
              ? "; the operator needs patch on pods and create/get on networkpolicies, which the chart grants with"
              + " alerts.containment.enabled=true" : e.getCode() == 422 ? " (the pod was replaced meanwhile)" : ""));
    }
  }

  /** Creates the namespace's deny-all NetworkPolicy, or finds it; null when it is there, else why not. */
  private String ensureNetworkPolicy(String namespace) {
    try {
      client.network().v1().networkPolicies().inNamespace(namespace).resource(denyAll(namespace)).create();
      return null;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    NetworkPolicy existing = client.network().v1().networkPolicies().inNamespace(namespace)
        .withName(ContainmentStatus.NETWORK_POLICY).get();
    if (existing != null && existing.getMetadata().getLabels() != null
        && OPERATOR.equals(existing.getMetadata().getLabels().get(MANAGED_BY))) {
      return null;
    }
    return "not contained: a NetworkPolicy " + namespace + "/" + ContainmentStatus.NETWORK_POLICY
        + " exists that the operator did not make; rename or delete it";
  }

  /** Ingress and egress with no rule: nothing in, nothing out, for every pod that carries the label. */
  static NetworkPolicy denyAll(String namespace) {
    return new NetworkPolicyBuilder().withNewMetadata().withName(ContainmentStatus.NETWORK_POLICY)
        .withNamespace(namespace).addToLabels(MANAGED_BY, OPERATOR)
        .addToLabels(ContainmentStatus.POD_LABEL + "-policy", "deny-all")
        .addToAnnotations(ForensicCheckpoint.GROUP + "/purpose", "forensic containment: isolates pods"
            + " labelled " + ContainmentStatus.POD_LABEL + " after their evidence was stored; remove a pod's label"
            + " to lift it")
        .endMetadata()
        .withNewSpec().withNewPodSelector().addNewMatchExpression().withKey(ContainmentStatus.POD_LABEL)
        .withOperator("Exists").endMatchExpression().endPodSelector()
        .withPolicyTypes(List.of("Ingress", "Egress")).endSpec().build();
  }

  /** Adds the label to this pod only (the patch tests its UID), changing nothing else of it. */
  private void label(Pod pod, String fcpName) {
    boolean hasLabels = pod.getMetadata().getLabels() != null;
    String add = hasLabels
        ? "{\"op\":\"add\",\"path\":\"/metadata/labels/" + ContainmentStatus.POD_LABEL.replace("/", "~1")
            + "\",\"value\":\"" + fcpName + "\"}"
        : "{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"" + ContainmentStatus.POD_LABEL + "\":\""
            + fcpName + "\"}}";
    String patch = "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":\"" + pod.getMetadata().getUid() + "\"},"
        + add + "]";
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
        .patch(new PatchContext.Builder().withPatchType(PatchType.JSON).build(), patch);
  }

  private static String podRef(ForensicCheckpoint fcp) {
    return fcp.getMetadata().getNamespace() + "/" + fcp.getSpec().getPodName();
  }
}
