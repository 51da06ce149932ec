package io.ckpt.forensics.operator;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the operator needs from one GET of the pod: identity, node, phase and each container's
 * state. Nothing else is kept: environment, volumes and secrets never leave the pod object.
 */
record PodSnapshot(String uid, String nodeName, String phase, List<String> declaredContainers,
    Map<String, ContainerState> statuses) {

  /** The runtime state of one container as the kubelet reported it. */
  record ContainerState(String containerID, String image, String imageID, boolean running) {
  }

  static PodSnapshot of(Pod pod) {
    List<String> declared = new ArrayList<>();
    var spec = pod.getSpec();
    if (spec != null) {
      Stream.of(spec.getContainers(), spec.getInitContainers()).filter(l -> l != null).flatMap(List::stream)
          .map(Container::getName).forEach(declared::add);
      Optional.ofNullable(spec.getEphemeralContainers()).orElse(List.of()).stream()
          .map(EphemeralContainer::getName).forEach(declared::add);
    }
    Map<String, ContainerState> statuses = new LinkedHashMap<>();
    var status = pod.getStatus();
    if (status != null) {
      Stream.of(status.getContainerStatuses(), status.getInitContainerStatuses(),
              status.getEphemeralContainerStatuses())
          .filter(l -> l != null).flatMap(List::stream)
          .forEach(s -> statuses.put(s.getName(), stateOf(s)));
    }
    return new PodSnapshot(pod.getMetadata().getUid(), spec == null ? null : spec.getNodeName(),
        status == null ? null : status.getPhase(), declared, statuses);
  }

  private static ContainerState stateOf(ContainerStatus s) {
    boolean running = s.getState() != null && s.getState().getRunning() != null;
    return new ContainerState(s.getContainerID(), s.getImage(), s.getImageID(), running);
  }

  boolean declares(String container) {
    return declaredContainers.contains(container);
  }

  boolean isRunning(String container) {
    ContainerState state = statuses.get(container);
    return state != null && state.running();
  }

  /** Every container that is running now, in pod order: the default selection. */
  List<String> runningContainers() {
    return statuses.entrySet().stream().filter(e -> e.getValue().running()).map(Map.Entry::getKey).toList();
  }
}
