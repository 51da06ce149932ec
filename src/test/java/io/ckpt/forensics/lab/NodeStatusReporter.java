package io.ckpt.forensics.lab;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The Node object of one simulated kubelet: registers it (labels, addresses, kubelet endpoint, node
 * info) and reports its conditions, Ready=True as the kubelet, Ready=Unknown as the node lifecycle
 * controller would when the kubelet stops posting status.
 */
final class NodeStatusReporter {

  private final String name;
  private final String address;
  private final String containerRuntimeVersion;

  NodeStatusReporter(String name, String address, String containerRuntimeVersion) {
    this.name = name;
    this.address = address;
    this.containerRuntimeVersion = containerRuntimeVersion;
  }

  /** Creates the Node (if missing) as the kubelet itself and reports it Ready. */
  void register(KubernetesClient kubelet) {
    var node = new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("kubernetes.io/hostname", name)
        .addToLabels("kubernetes.io/os", "linux")
        .addToLabels("kubernetes.io/arch", "amd64")
        .addToLabels("beta.kubernetes.io/os", "linux")
        .addToLabels("beta.kubernetes.io/arch", "amd64")
        .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
        .endMetadata()
        .withNewSpec().endSpec()
        .withStatus(nodeStatus(ready()))
        .build();
    try {
      kubelet.nodes().resource(node).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    reportReady(kubelet);
  }

  /** Ready=True, as the kubelet posts it. */
  void reportReady(KubernetesClient kubelet) {
    patch(kubelet, ready());
  }

  /** Ready=Unknown, as the node lifecycle controller sets it (so {@code admin}, not the kubelet). */
  void reportUnknown(KubernetesClient admin) {
    patch(admin, condition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.",
        PodStatusWriter.rfc3339(Instant.now())));
  }

  private static NodeCondition ready() {
    return condition("Ready", "True", "KubeletReady", "kubelet is posting ready status",
        PodStatusWriter.rfc3339(Instant.now()));
  }

  private void patch(KubernetesClient as, NodeCondition ready) {
    Map<String, Object> patch = Map.of("status", nodeStatus(ready));
    String json = as.getKubernetesSerialization().asJson(patch);
    as.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  private NodeStatus nodeStatus(NodeCondition ready) {
    String now = PodStatusWriter.rfc3339(Instant.now());
    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now));
    conditions.add(condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now));
    conditions.add(condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now));
    conditions.add(ready);
    Map<String, Quantity> capacity = Map.of(
        "cpu", new Quantity("4"),
        "memory", new Quantity("16Gi"),
        "pods", new Quantity("110"),
        "ephemeral-storage", new Quantity("100Gi"));
    String machine = PodStatusWriter.sha256Hex(name).substring(0, 32);
    return new NodeStatusBuilder()
        .addNewAddress().withType("InternalIP").withAddress(address).endAddress()
        .addNewAddress().withType("Hostname").withAddress(name).endAddress()
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(LabNetwork.KUBELET_PORT).endKubeletEndpoint().endDaemonEndpoints()
        .withCapacity(capacity)
        .withAllocatable(capacity)
        .withConditions(conditions)
        .withNewNodeInfo()
        .withMachineID(machine)
        .withSystemUUID(machine.substring(0, 8) + "-" + machine.substring(8, 12) + "-" + machine.substring(12, 16) + "-"
            + machine.substring(16, 20) + "-" + machine.substring(20, 32))
        .withBootID(PodStatusWriter.sha256Hex(name + "-boot").substring(0, 32))
        .withKernelVersion("6.1.0-lab-amd64")
        .withOsImage("Debian GNU/Linux 12 (bookworm)")
        .withContainerRuntimeVersion(containerRuntimeVersion)
        .withKubeletVersion(SimulatedNode.KUBELET_VERSION)
        .withOperatingSystem("linux")
        .withArchitecture("amd64")
        .endNodeInfo()
        .build();
  }

  private static NodeCondition condition(String type, String status, String reason, String message, String now) {
    return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
  }
}
