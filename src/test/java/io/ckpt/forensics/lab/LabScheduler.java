package io.ckpt.forensics.lab;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The smallest stand-in for kube-scheduler, for the one kind of pod that arrives without a node: a
 * pod of the operator's image (the fallback bundle's collector, issue 12 §4, which needs nothing
 * from a node). It binds such a pod to the first lab node that its preferred node affinity does not
 * exclude by {@code metadata.name NotIn}, or to the first node when all are; every other unbound
 * pod is left alone, as before (tests create workload pods with spec.nodeName).
 */
final class LabScheduler implements AutoCloseable {

  private final KubernetesClient admin;
  private final Supplier<List<SimulatedNode>> nodes;
  private final Consumer<String> log;
  private SharedIndexInformer<Pod> informer;

  LabScheduler(KubernetesClient admin, Supplier<List<SimulatedNode>> nodes, Consumer<String> log) {
    this.admin = admin;
    this.nodes = nodes;
    this.log = log;
  }

  void start() {
    informer = admin.pods().inAnyNamespace().withField("spec.nodeName", "").inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        bind(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
      }

      @Override
      public void onDelete(Pod pod, boolean unknown) {
      }
    }, 0);
  }

  private void bind(Pod pod) {
    if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty() || !PodRunner.runsForReal(pod)
        || pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    List<SimulatedNode> all = nodes.get();
    if (all.isEmpty()) {
      return;
    }
    Set<String> avoided = avoided(pod);
    String node = all.stream().map(SimulatedNode::name).filter(n -> !avoided.contains(n)).findFirst()
        .orElse(all.get(0).name());
    try {
      admin.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new BindingBuilder().withNewMetadata()
          .withName(pod.getMetadata().getName()).withNamespace(pod.getMetadata().getNamespace()).endMetadata()
          .withNewTarget().withKind("Node").withName(node).withApiVersion("v1").endTarget().build()).create();
      log.accept("scheduler: bound pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
          + " to " + node + (avoided.isEmpty() ? "" : " (avoiding " + avoided + ")"));
    } catch (KubernetesClientException e) {
      log.accept("scheduler: cannot bind pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
          + ": HTTP " + e.getCode());
    }
  }

  /** Nodes a preferred node affinity term excludes by name. */
  private static Set<String> avoided(Pod pod) {
    Set<String> avoided = new HashSet<>();
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution() == null) {
      return avoided;
    }
    affinity.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().forEach(term -> {
      if (term.getPreference() != null && term.getPreference().getMatchFields() != null) {
        for (NodeSelectorRequirement r : term.getPreference().getMatchFields()) {
          if ("metadata.name".equals(r.getKey()) && "NotIn".equals(r.getOperator()) && r.getValues() != null) {
            avoided.addAll(r.getValues());
          }
        }
      }
    });
    return avoided;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
