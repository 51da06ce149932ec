package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.CapturedSummary;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.api.RequestedBy;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kubectl fcp describe}'s text: the request, the outcome, each container with its archive,
 * its evidence (where it is stored, digests, custody record, signing key) and the summary the
 * collector read from the archive in the same pass that stored it, so that a responder sees what was
 * captured (processes, listening sockets, files written) before fetching anything. Pure; every value
 * from the object is escaped (the summary quotes the archive, failure messages the node).
 */
final class CheckpointDescription {

  /** Indent and label together: values start in one column at every depth. */
  private static final int LABEL_WIDTH = 24;

  private final List<String> lines = new ArrayList<>();

  private CheckpointDescription() {}

  static List<String> render(ForensicCheckpoint fcp) {
    CheckpointDescription d = new CheckpointDescription();
    d.describe(fcp);
    return d.lines;
  }

  private void describe(ForensicCheckpoint fcp) {
    ForensicCheckpointSpec spec = fcp.getSpec() == null ? new ForensicCheckpointSpec() : fcp.getSpec();
    ForensicCheckpointStatus status = fcp.getStatus() == null ? new ForensicCheckpointStatus() : fcp.getStatus();
    field(0, "Name", fcp.getMetadata().getName());
    field(0, "Namespace", fcp.getMetadata().getNamespace());
    field(0, "Created", fcp.getMetadata().getCreationTimestamp());
    field(0, "Pod", spec.getPodName());
    if (spec.getContainers() != null) {
      field(0, "Containers asked", String.join(", ", spec.getContainers()));
    }
    field(0, "Reason", spec.getReason());
    field(0, "Case", spec.getCaseId());
    RequestedBy by = spec.getRequestedBy();
    if (by != null) {
      field(0, "Requested by", by.getUsername() + (by.getOnBehalfOf() == null ? "" : " on behalf of "
          + by.getOnBehalfOf().getKind() + " " + by.getOnBehalfOf().getName()
          + (by.getOnBehalfOf().getAlert() == null ? "" : " (alert " + by.getOnBehalfOf().getAlert() + ")")));
    }
    field(0, "Phase", status.getPhase() == null ? "(not started)" : status.getPhase().toString());
    field(0, "Node", status.getNodeName());
    field(0, "Pod UID", status.getPodUID());
    field(0, "Started", status.getStartTime());
    field(0, "Completed", status.getCompletionTime());
    field(0, "Message", status.getMessage());
    if (status.getFailure() != null) {
      field(0, "Failure", ProgressLines.failure(status.getFailure()));
    }
    if (!status.getConditions().isEmpty()) {
      lines.add("Conditions:");
      for (Condition c : status.getConditions()) {
        lines.add(String.format("  %-15s %-6s %-20s %s", c.getType(), c.getStatus(), c.getReason(),
            ProgressLines.safe(c.getMessage())).stripTrailing());
      }
    }
    if (!status.getContainers().isEmpty()) {
      lines.add("Containers:");
      status.getContainers().forEach(this::container);
    }
  }

  private void container(ContainerCheckpointStatus c) {
    lines.add("  " + ProgressLines.safe(c.getName()) + ":");
    field(2, "Phase", c.getPhase() == null ? null : c.getPhase().toString());
    field(2, "Container ID", c.getContainerID());
    field(2, "Image", c.getImage() == null ? null : c.getImage() + (c.getImageID() == null ? "" : " (" + c.getImageID()
        + ")"));
    field(2, "Attempts", c.getAttempts() == null ? null : c.getAttempts() + (c.getRetries() == null
        || c.getRetries() == 0 ? "" : ", " + c.getRetries() + " automatic retries"));
    field(2, "Archive on node", c.getArchivePath());
    field(2, "Checkpointed at", c.getCheckpointedAt());
    field(2, "Duration", c.getDurationMillis() == null ? null : c.getDurationMillis() + " ms");
    if (c.getFailure() != null) {
      field(2, "Failure", ProgressLines.failure(c.getFailure()));
    }
    if (c.getIdentityChange() != null) {
      field(2, "Identity changed", c.getIdentityChange().getMessage());
    }
    field(2, "Note", c.getNote());
    EvidenceStatus e = c.getEvidence();
    if (e != null) {
      lines.add("    " + (Boolean.TRUE.equals(e.getFallbackBundle()) ? "Evidence (fallback bundle):" : "Evidence:"));
      field(3, "Phase", e.getPhase() == null ? null : e.getPhase().toString());
      field(3, "Collector pod", e.getCollectorPod());
      field(3, "Location", e.getLocation());
      field(3, "SHA-256", e.getSha256());
      field(3, "Size", e.getSizeBytes() == null ? null : e.getSizeBytes() + " bytes");
      if (Boolean.TRUE.equals(e.getEncrypted())) {
        field(3, "Encrypted to", e.getRecipients() == null ? "(recipients not recorded)"
            : String.join(", ", e.getRecipients()));
        field(3, "Stored SHA-256", e.getStoredSha256());
        field(3, "Stored size", e.getStoredBytes() == null ? null : e.getStoredBytes() + " bytes");
      }
      field(3, "Custody record", e.getRecordLocation());
      field(3, "Record SHA-256", e.getRecordSha256());
      field(3, "Signing key", e.getSigningKeyId());
      field(3, "Collected at", e.getCollectedAt());
      field(3, "Removed from node", e.getRemovedFromNode() == null ? null : e.getRemovedFromNode() ? "yes" : "no");
      if (e.getFailure() != null) {
        field(3, "Failure", e.getFailure().getReason() + ": " + e.getFailure().getMessage());
      }
      captured(e.getCaptured());
    }
  }

  private void captured(CapturedSummary s) {
    if (s == null) {
      return;
    }
    lines.add("    Captured:");
    field(3, "Processes", s.getProcesses() == null ? null : s.getProcesses()
        + (s.getArchitecture() == null ? "" : " (" + s.getArchitecture() + ")"));
    field(3, "Listening sockets", s.getListeningSockets() == null ? null : s.getListeningSockets().toString());
    if (s.getFilesWritten() != null || s.getFilesDeleted() != null || s.getFilesInTmpfs() != null) {
      field(3, "Files", count(s.getFilesWritten()) + " written, " + count(s.getFilesDeleted()) + " deleted, "
          + count(s.getFilesInTmpfs()) + " in tmpfs");
    }
    list("Top files", s.getTopFiles());
    list("Signs", s.getSigns());
  }

  private void list(String label, List<String> items) {
    if (items == null || items.isEmpty()) {
      return;
    }
    lines.add("      " + label + ":");
    items.forEach(i -> lines.add("        " + ProgressLines.safe(i)));
  }

  private static String count(Long n) {
    return n == null ? "?" : n.toString();
  }

  /** One "Label:  value" line at {@code depth} (two spaces each), values aligned; nothing for an absent value. */
  private void field(int depth, String label, String value) {
    if (value == null) {
      return;
    }
    String indent = "  ".repeat(depth);
    lines.add(String.format("%s%-" + (LABEL_WIDTH - indent.length()) + "s %s", indent, label + ":",
        ProgressLines.safe(value)));
  }
}
