package io.ckpt.forensics.lab;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/** Writes a pod's status from its {@link PodRuntime} as a kubelet does (phase, conditions, container statuses, IPs). */
final class PodStatusWriter {

  private final String hostIp;

  PodStatusWriter(String hostIp) {
    this.hostIp = hostIp;
  }

  /** Patches {@code pod}'s status subresource as {@code client} (the node's identity). */
  void push(KubernetesClient client, Pod pod, PodRuntime rt) {
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("metadata", Map.of("uid", rt.uid));
    patch.put("status", status(rt));
    String json = client.getKubernetesSerialization().asJson(patch);
    // The Node authorizer learns of a pod's binding from its own watch: a node that sees a pod
    // created a moment ago may be refused (403 "no relationship found") for a short while. A real
    // kubelet retries its status sync; so does this one, briefly.
    for (int attempt = 1; ; attempt++) {
      try {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), json);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404 || e.getCode() == 409) {
          return;
        }
        if (e.getCode() != 403 || attempt >= 20) {
          throw e;
        }
        Lab.sleep(100L * attempt); // a retry's backoff, as the kubelet's status manager does
      }
    }
  }

  PodStatus status(PodRuntime rt) {
    List<ContainerStatus> statuses = new ArrayList<>();
    List<ContainerStatus> initStatuses = new ArrayList<>();
    List<String> unready = new ArrayList<>();
    boolean anyRunning = false;
    boolean allTerminated = true;
    boolean allSucceeded = true;
    boolean anyWaiting = false;
    for (PodRuntime.Container c : rt.containers.values()) {
      if (c.init) {
        initStatuses.add(containerStatus(c));
        continue;
      }
      statuses.add(containerStatus(c));
      if (c.phase != PodRuntime.Phase.RUNNING) {
        unready.add(c.name);
      }
      anyRunning |= c.phase == PodRuntime.Phase.RUNNING;
      anyWaiting |= c.phase == PodRuntime.Phase.WAITING;
      allTerminated &= c.phase == PodRuntime.Phase.TERMINATED;
      allSucceeded &= c.phase == PodRuntime.Phase.TERMINATED && c.exitCode == 0;
    }
    String phase;
    if (rt.phaseOverride != null) {
      phase = rt.phaseOverride;
    } else if (allTerminated && !statuses.isEmpty()) {
      phase = allSucceeded ? "Succeeded" : "Failed";
    } else if (anyRunning || !anyWaiting) {
      phase = "Running";
    } else {
      phase = "Pending";
    }
    boolean ready = unready.isEmpty() && !rt.deleting;
    String now = rfc3339(Instant.now());
    String unreadyMessage = "containers with unready status: [" + String.join(" ", unready) + "]";
    List<PodCondition> conditions = List.of(
        podCondition("PodReadyToStartContainers", "Pending".equals(phase) && anyWaiting ? "False" : "True", null, null, now),
        podCondition("Initialized", "True", null, null, now),
        podCondition("Ready", ready ? "True" : "False", ready ? null : "ContainersNotReady", ready ? null : unreadyMessage, now),
        podCondition("ContainersReady", ready ? "True" : "False", ready ? null : "ContainersNotReady", ready ? null : unreadyMessage, now),
        podCondition("PodScheduled", "True", null, null, rfc3339(rt.startTime)));
    PodStatusBuilder status = new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(conditions)
        .withHostIP(hostIp)
        .addNewHostIP().withIp(hostIp).endHostIP()
        .withStartTime(rfc3339(rt.startTime))
        .withReason(rt.reason)
        .withMessage(rt.message)
        .withContainerStatuses(statuses);
    if (!initStatuses.isEmpty()) {
      status.withInitContainerStatuses(initStatuses);
    }
    if (!"Pending".equals(phase) || !anyWaiting) {
      status.withPodIP(rt.podIp).addNewPodIP().withIp(rt.podIp).endPodIP();
    }
    return status.build();
  }

  private static ContainerStatus containerStatus(PodRuntime.Container c) {
    ContainerStatusBuilder b = new ContainerStatusBuilder()
        .withName(c.name)
        .withImage(normalizeImage(c.image))
        .withImageID(c.phase == PodRuntime.Phase.WAITING ? "" : imageId(c.image))
        .withState(c.state())
        .withLastState(c.lastState == null ? new ContainerState() : c.lastState)
        .withReady(c.phase == PodRuntime.Phase.RUNNING && !c.init)
        .withStarted(c.phase == PodRuntime.Phase.RUNNING)
        .withRestartCount(c.restartCount);
    if (c.phase != PodRuntime.Phase.WAITING) {
      b.withContainerID("containerd://" + c.id);
    }
    return b.build();
  }

  private static PodCondition podCondition(String type, String status, String reason, String message, String time) {
    return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(time).withLastProbeTime(null).build();
  }

  static String normalizeImage(String image) {
    if (image == null || image.isEmpty()) {
      return image;
    }
    String name = image;
    String firstPart = name.contains("/") ? name.substring(0, name.indexOf('/')) : "";
    boolean hasRegistry = firstPart.contains(".") || firstPart.contains(":") || firstPart.equals("localhost");
    if (!hasRegistry) {
      name = (name.contains("/") ? "docker.io/" : "docker.io/library/") + name;
    }
    String lastSegment = name.substring(name.lastIndexOf('/') + 1);
    if (!lastSegment.contains(":") && !lastSegment.contains("@")) {
      name = name + ":latest";
    }
    return name;
  }

  static String imageId(String image) {
    String normalized = normalizeImage(image);
    String repo = normalized.contains("@") ? normalized.substring(0, normalized.indexOf('@'))
        : normalized.substring(0, normalized.lastIndexOf(':'));
    return repo + "@sha256:" + sha256Hex("image:" + normalized);
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String rfc3339(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }
}
