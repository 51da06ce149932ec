package io.ckpt.forensics.lab;

import java.time.Duration;
import java.util.function.Predicate;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The objects tests set up in a lab, as admin: namespaces, ServiceAccounts and their tokens, and
 * pods bound to a simulated node (there is no scheduler), with waits for their status.
 */
final class LabFixtures {

  private final KubernetesClient admin;
  private final NamespaceBasics namespaceBasics;

  LabFixtures(KubernetesClient admin, NamespaceBasics namespaceBasics) {
    this.admin = admin;
    this.namespaceBasics = namespaceBasics;
  }

  Namespace createNamespace(String name) {
    Lab.ignoreConflict(() -> admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .endMetadata().build()).create());
    namespaceBasics.ensure(name);
    return admin.namespaces().withName(name).get();
  }

  ServiceAccount createServiceAccount(String namespace, String name) {
    createNamespace(namespace);
    Lab.ignoreConflict(() -> admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName(name).endMetadata().build()).create());
    return admin.serviceAccounts().inNamespace(namespace).withName(name).get();
  }

  /** TokenRequest for a ServiceAccount, audience = the API server's. */
  String mintToken(String namespace, String serviceAccount, Duration validity) {
    return admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(validity.toSeconds()).endSpec().build())
        .getStatus().getToken();
  }

  PodBuilder podSpec(String namespace, String name, LabNode node, String... containers) {
    if (containers.length == 0) {
      throw new IllegalArgumentException("at least one container");
    }
    PodBuilder b = new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).addToLabels("app", name).endMetadata()
        .withNewSpec().withNodeName(node.name()).withTerminationGracePeriodSeconds(30L).withRestartPolicy("Always")
        .endSpec();
    for (String c : containers) {
      b.editSpec().addToContainers(new ContainerBuilder().withName(c).withImage(Lab.DEFAULT_IMAGE).build()).endSpec();
    }
    return b;
  }

  Pod createPod(Pod pod) {
    if (pod.getSpec() == null || pod.getSpec().getNodeName() == null) {
      throw new IllegalArgumentException("spec.nodeName must be set (the lab has no scheduler)");
    }
    String namespace = pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
    createNamespace(namespace);
    // the lab's own pods are only simulated, even with the operator image (PodRunner runs the others)
    Pod own = new PodBuilder(pod).editMetadata().addToLabels(PodRunner.LAB_POD_LABEL, "true").endMetadata().build();
    return admin.pods().inNamespace(namespace).resource(own).create();
  }

  Pod awaitPod(String namespace, String name, Predicate<Pod> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Pod last = null;
    while (true) {
      last = admin.pods().inNamespace(namespace).withName(name).get();
      if (last != null && condition.test(last)) {
        return last;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pod " + namespace + "/" + name + " did not reach the condition within " + timeout
            + "; last: " + (last == null ? "absent" : last.getStatus()));
      }
      Lab.sleep(100); // polling the pod
    }
  }

  static boolean isRunningAndReady(Pod pod) {
    return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getContainerStatuses() != null
        && !pod.getStatus().getContainerStatuses().isEmpty()
        && pod.getStatus().getContainerStatuses().stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
  }
}
