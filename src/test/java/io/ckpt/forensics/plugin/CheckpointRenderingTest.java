package io.ckpt.forensics.plugin;

import static io.ckpt.forensics.plugin.PluginStatuses.custody;
import static io.ckpt.forensics.plugin.PluginStatuses.failed;
import static io.ckpt.forensics.plugin.PluginStatuses.fcp;
import static io.ckpt.forensics.plugin.PluginStatuses.status;
import static io.ckpt.forensics.plugin.PluginStatuses.succeeded;
import static io.ckpt.forensics.plugin.PluginStatuses.withEvidence;
import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CapturedSummary;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.EvidencePhase;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code get}'s table and {@code describe}'s text. */
class CheckpointRenderingTest {

  @Test
  void theTableShowsContainersAndWhereTheEvidenceIs() {
    var stored = fcp("nettools-x7k2q", custody(status(CheckpointPhase.Succeeded,
        withEvidence(succeeded("nettools"), EvidencePhase.Stored)), true, Conditions.REASON_STORED));
    var partial = fcp("web-b8c1d", status(CheckpointPhase.PartiallySucceeded, succeeded("app"), failed("sidecar", "x")));
    var fresh = fcp("db-1", null);

    assertThat(CheckpointTable.render(List.of(stored, partial, fresh), PluginStatuses.CLOCK.instant())).containsExactly(
        "NAME             POD        NODE     PHASE                CONTAINERS                     EVIDENCE   AGE",
        "nettools-x7k2q   nettools   node-1   Succeeded            nettools=Succeeded             Stored     90s",
        "web-b8c1d        nettools   node-1   PartiallySucceeded   app=Succeeded,sidecar=Failed   -          90s",
        "db-1             nettools   -        -                    -                              -          90s");
  }

  @Test
  void describeShowsTheEvidenceAndTheCapturedSummary() {
    var container = withEvidence(succeeded("nettools"), EvidencePhase.Stored);
    CapturedSummary captured = new CapturedSummary();
    captured.setProcesses(2);
    captured.setArchitecture("x86_64");
    captured.setListeningSockets(1);
    captured.setFilesWritten(3L);
    captured.setFilesDeleted(0L);
    captured.setFilesInTmpfs(0L);
    captured.setTopFiles(List.of("written /tmp/x.sh (executable)"));
    captured.setSigns(List.of("listening on 0.0.0.0:4444\u001b[31m"));
    container.getEvidence().setCaptured(captured);
    var fcp = fcp("nettools-x7k2q", custody(status(CheckpointPhase.Succeeded, container), true,
        Conditions.REASON_STORED));

    List<String> text = CheckpointDescription.render(fcp);

    assertThat(text).startsWith("Name:                    nettools-x7k2q", "Namespace:               dev");
    assertThat(text).contains("Reason:                  Falco: Terminal shell in container",
        "Case:                    INC-42",
        "Phase:                   Succeeded",
        "  EvidenceStored  True   Stored               1/1 archives stored",
        "  nettools:",
        "    Archive on node:     /var/lib/kubelet/checkpoints/checkpoint-nettools_dev-nettools-2026-12-02T09:00:00Z.tar",
        "    Evidence:",
        "      Location:          file:///evidence/dev/nettools.tar",
        "      SHA-256:           " + "ab".repeat(32),
        "      Custody record:    file:///evidence/dev/nettools.tar.dsse.json",
        "    Captured:",
        "      Processes:         2 (x86_64)",
        "      Listening sockets: 1",
        "      Files:             3 written, 0 deleted, 0 in tmpfs",
        "      Top files:",
        "        written /tmp/x.sh (executable)",
        "      Signs:",
        "        listening on 0.0.0.0:4444\\x1b[31m");
  }
}
