package io.ckpt.forensics.plugin;

import io.ckpt.forensics.analysis.UnsafeCharacters;
import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What changed between two reads of a ForensicCheckpoint's status, as the lines {@code take --wait}
 * prints: the object's phase and node, each container's phase (with its archive, or its failure
 * reason and message) and each container's evidence phase (with where it was stored, or why not).
 * Pure: no client, so every line is tested without a cluster. Text from the status (kubelet
 * messages, paths) is written by the operator from what a possibly compromised node said: escaped.
 */
final class ProgressLines {

  private ProgressLines() {}

  /** The lines for going from {@code before} (null: nothing seen yet) to {@code now}. */
  static List<String> between(ForensicCheckpointStatus before, ForensicCheckpointStatus now) {
    List<String> lines = new ArrayList<>();
    if (now == null) {
      return lines;
    }
    if (now.getPhase() != null && (before == null || before.getPhase() != now.getPhase())) {
      lines.add("phase " + now.getPhase() + (now.getNodeName() == null ? "" : " (node " + now.getNodeName() + ")"));
    }
    if (now.getFailure() != null && (before == null || !Objects.equals(before.getFailure(), now.getFailure()))) {
      lines.add("failed: " + failure(now.getFailure()));
    }
    for (ContainerCheckpointStatus c : now.getContainers()) {
      ContainerCheckpointStatus was = before == null ? null : before.container(c.getName()).orElse(null);
      lines.addAll(container(was, c));
    }
    return lines;
  }

  private static List<String> container(ContainerCheckpointStatus was, ContainerCheckpointStatus now) {
    List<String> lines = new ArrayList<>();
    String name = "  " + safe(now.getName()) + ": ";
    if (now.getPhase() != null && (was == null || was.getPhase() != now.getPhase()
        || !Objects.equals(was.getAttempts(), now.getAttempts()))) {
      lines.add(name + switch (now.getPhase()) {
        case Pending -> "waiting for its turn on the node";
        case Running -> "checkpointing" + (now.getAttempts() == null || now.getAttempts() < 2 ? ""
            : " (attempt " + now.getAttempts() + ")");
        case Succeeded -> "checkpointed" + (now.getDurationMillis() == null ? "" : " in " + now.getDurationMillis()
            + " ms") + (now.getArchivePath() == null ? "" : ": " + safe(now.getArchivePath()));
        case Failed -> "failed: " + (now.getFailure() == null ? "no reason recorded" : failure(now.getFailure()));
      });
    }
    EvidenceStatus before = was == null ? null : was.getEvidence();
    EvidenceStatus evidence = now.getEvidence();
    if (evidence != null && evidence.getPhase() != null && (before == null || before.getPhase() != evidence.getPhase())) {
      String what = Boolean.TRUE.equals(evidence.getFallbackBundle()) ? "fallback bundle " : "evidence ";
      lines.add(name + what + switch (evidence.getPhase()) {
        case Collecting -> "collecting" + (evidence.getCollectorPod() == null ? ""
            : " (collector pod " + safe(evidence.getCollectorPod()) + ")");
        case Stored -> "stored at " + safe(evidence.getLocation()) + " (sha256 " + safe(evidence.getSha256()) + ", "
            + evidence.getSizeBytes() + " bytes" + (Boolean.TRUE.equals(evidence.getEncrypted()) ? ", encrypted" : "")
            + ")";
        case Failed -> "not stored: " + (evidence.getFailure() == null ? "no reason recorded"
            : safe(evidence.getFailure().getReason()) + ": " + safe(evidence.getFailure().getMessage()));
      });
    }
    return lines;
  }

  static String failure(CheckpointFailure failure) {
    return failure.getReason() + (failure.getHttpStatus() == null ? "" : " (HTTP " + failure.getHttpStatus() + ")")
        + ": " + safe(failure.getMessage());
  }

  static String safe(String text) {
    return text == null ? "-" : UnsafeCharacters.escape(text);
  }
}
