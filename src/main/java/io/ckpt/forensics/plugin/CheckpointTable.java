package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code kubectl fcp get}'s table: kubectl's columns for a ForensicCheckpoint plus what
 * {@code kubectl get fcp} cannot show in one column: the containers with their phases and where the
 * evidence is (the EvidenceStored condition's reason: Stored, Collecting, CollectionFailed).
 */
final class CheckpointTable {

  private static final String[] HEADER = {"NAME", "POD", "NODE", "PHASE", "CONTAINERS", "EVIDENCE", "AGE"};

  private CheckpointTable() {}

  static List<String> render(List<ForensicCheckpoint> fcps, Instant now) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (ForensicCheckpoint fcp : fcps) {
      ForensicCheckpointStatus status = fcp.getStatus();
      rows.add(new String[] {fcp.getMetadata().getName(), cell(fcp.getSpec() == null ? null : fcp.getSpec().getPodName()),
          cell(status == null ? null : status.getNodeName()),
          status == null || status.getPhase() == null ? "-" : status.getPhase().toString(),
          status == null || status.getContainers().isEmpty() ? "-" : status.getContainers().stream()
              .map(CheckpointTable::container).collect(Collectors.joining(",")),
          evidence(status), HumanDuration.age(fcp.getMetadata().getCreationTimestamp(), now)});
    }
    int[] widths = new int[HEADER.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 3) + "s", row[i]));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }

  private static String container(ContainerCheckpointStatus c) {
    return ProgressLines.safe(c.getName()) + "=" + (c.getPhase() == null ? "-" : c.getPhase());
  }

  private static String evidence(ForensicCheckpointStatus status) {
    Condition stored = status == null ? null : Conditions.find(status.getConditions(), Conditions.EVIDENCE_STORED);
    return stored == null ? "-" : stored.getReason();
  }

  private static String cell(String text) {
    return text == null || text.isEmpty() ? "-" : ProgressLines.safe(text);
  }
}
