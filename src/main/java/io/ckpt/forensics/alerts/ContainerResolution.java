package io.ckpt.forensics.alerts;

import io.ckpt.forensics.api.AlertContainers;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which container of the pod an alert is about. Falco names it by container.id, the first 12 hex digits
 * of the runtime's ID, which is looked up in the pod's container statuses (containerID
 * {@code containerd://<64 hex>}); failing that, by the container name fields; a pod with a single
 * container needs neither.
 */
public final class ContainerResolution {

  private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{12,64}");

  /**
   * The outcome: {@code containers} to put in the ForensicCheckpoint (empty: every running container), or
   * {@code unmatched}, a reason safe to show.
   */
  public record Resolved(List<String> containers, String unmatched) {
    static Resolved of(String container) {
      return new Resolved(List.of(container), null);
    }

    static Resolved no(String reason) {
      return new Resolved(List.of(), reason);
    }

    public boolean isUnmatched() {
      return unmatched != null;
    }

    /** The part of the dedup key that names the containers: their name, or * for all. */
    public String key() {
      return containers.isEmpty() ? "*" : String.join(",", containers);
    }
  }

  private ContainerResolution() {
  }

  public static Resolved resolve(Pod pod, Alert alert, AlertContainers mode) {
    List<ContainerStatus> statuses = statuses(pod);
    if (mode == AlertContainers.All) {
      return new Resolved(List.of(), null);
    }
    String id = alert.containerId() == null ? null : alert.containerId().strip().toLowerCase(Locale.ROOT);
    if (id != null && !CONTAINER_ID.matcher(id).matches()) {
      id = null; // "host", "<NA>" or garbage: no container ID to go by
    }
    if (id != null) {
      List<String> byId = new ArrayList<>();
      for (ContainerStatus s : statuses) {
        if (s.getContainerID() != null && runtimeId(s.getContainerID()).startsWith(id)) {
          byId.add(s.getName());
        }
      }
      if (byId.size() == 1) {
        return Resolved.of(byId.get(0));
      }
      if (byId.size() > 1) {
        return Resolved.no("container.id " + id + " is the prefix of several containers of the pod");
      }
    }
    String name = alert.containerName();
    if (name != null && !name.isBlank()) {
      Optional<ContainerStatus> byName = statuses.stream().filter(s -> name.equals(s.getName())).findFirst();
      if (byName.isPresent()) {
        return Resolved.of(byName.get().getName());
      }
    }
    if (id == null && (name == null || name.isBlank()) && statuses.size() == 1) {
      return Resolved.of(statuses.get(0).getName());
    }
    if (id != null || name != null) {
      return Resolved.no("the pod has no container " + (id != null ? "with ID prefix " + safe(id) : "")
          + (id != null && name != null ? " nor " : "") + (name != null ? "named " + safe(name) : ""));
    }
    return Resolved.no("the alert names no container and the pod has several; name it (container.id, container"
        + " label) or set the policy's containers: All");
  }

  private static List<ContainerStatus> statuses(Pod pod) {
    List<ContainerStatus> all = new ArrayList<>();
    if (pod.getStatus() != null) {
      if (pod.getStatus().getContainerStatuses() != null) {
        all.addAll(pod.getStatus().getContainerStatuses());
      }
      // kubectl debug adds ephemeral containers: exactly where an intruder's shell may run
      if (pod.getStatus().getEphemeralContainerStatuses() != null) {
        all.addAll(pod.getStatus().getEphemeralContainerStatuses());
      }
    }
    return all;
  }

  private static String runtimeId(String containerId) {
    int scheme = containerId.indexOf("://");
    return (scheme < 0 ? containerId : containerId.substring(scheme + 3)).toLowerCase(Locale.ROOT);
  }

  /** Alert text in a reason: printable ASCII only, at most 64 characters. */
  static String safe(String text) {
    String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
    return cleaned.length() <= 64 ? cleaned : cleaned.substring(0, 64) + "...";
  }
}
