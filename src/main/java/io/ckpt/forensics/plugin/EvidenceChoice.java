package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import java.util.List;
import java.util.stream.Collectors;

/** Which container's stored evidence {@code fetch} and {@code inspect} take: the one named by -c, or the only one stored. */
final class EvidenceChoice {

  private EvidenceChoice() {}

  record Chosen(String container, EvidenceStatus evidence) {}

  static Chosen of(ForensicCheckpoint fcp, String container) throws PluginError {
    String name = fcp.getMetadata().getName();
    List<ContainerCheckpointStatus> containers = fcp.getStatus() == null ? List.of() : fcp.getStatus().getContainers();
    if (container != null) {
      ContainerCheckpointStatus c = containers.stream().filter(x -> container.equals(x.getName())).findFirst()
          .orElseThrow(() -> new PluginError(PluginExitCode.NOT_FOUND, name + " has no container " + container
              + (containers.isEmpty() ? "" : "; it has " + names(containers))));
      return new Chosen(container, stored(name, c));
    }
    List<ContainerCheckpointStatus> stored = containers.stream().filter(c -> c.getEvidence() != null
        && c.getEvidence().getPhase() == EvidencePhase.Stored).toList();
    if (stored.size() == 1) {
      return new Chosen(stored.get(0).getName(), stored.get(0).getEvidence());
    }
    if (stored.isEmpty()) {
      throw new PluginError(PluginExitCode.NOT_FOUND, name + " has no stored evidence"
          + (containers.stream().anyMatch(c -> c.getEvidence() != null) ? " yet (kubectl fcp describe " + name
              + " says where its custody is)" : ": the operator keeps no evidence store, so archives stay on the node"
              + " (status.containers[].archivePath)"));
    }
    throw new PluginError(PluginExitCode.USAGE, name + " has stored evidence of several containers (" + names(stored)
        + "): choose one with -c");
  }

  private static EvidenceStatus stored(String name, ContainerCheckpointStatus c) throws PluginError {
    EvidenceStatus e = c.getEvidence();
    if (e == null || e.getPhase() != EvidencePhase.Stored) {
      throw new PluginError(PluginExitCode.NOT_FOUND, name + ": container " + c.getName() + " has no stored evidence"
          + (e == null ? "" : " (evidence " + e.getPhase() + (e.getFailure() == null ? "" : ": "
              + ProgressLines.safe(e.getFailure().getReason() + ": " + e.getFailure().getMessage())) + ")"));
    }
    return e;
  }

  private static String names(List<ContainerCheckpointStatus> containers) {
    return containers.stream().map(c -> ProgressLines.safe(c.getName())).collect(Collectors.joining(", "));
  }
}
