package io.ckpt.forensics.cli;

import io.ckpt.forensics.analysis.CheckpointReport;
import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.OpenSocket;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fcp diff}: what appeared (+) or vanished (-) between two checkpoints of one container. */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Processes, open files and sockets that appeared (+) or vanished (-) from A to B.")
final class DiffCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "A", description = "the earlier checkpoint")
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "the later checkpoint (either may be -, standard input)")
  Path b;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Override
  public Integer call() throws Exception {
    CheckpointReport ra;
    CheckpointReport rb;
    ArchiveInput.atMostOneStdin(java.util.List.of(a, b));
    try (ArchiveInput ta = ArchiveInput.open(a, decryptionKeys, FcpMain.stdin(spec), false);
        ArchiveInput tb = ArchiveInput.open(b, decryptionKeys, FcpMain.stdin(spec), false)) {
      ra = CheckpointReport.read(ta.tar());
      rb = CheckpointReport.read(tb.tar());
    }
    PrintWriter out = spec.commandLine().getOut();
    int changes = 0;
    changes += section(out, "Processes", processes(ra), processes(rb));
    changes += section(out, "Open files", files(ra), files(rb));
    changes += section(out, "Sockets", sockets(ra), sockets(rb));
    if (changes == 0) {
      out.println("No differences in processes, open files or sockets.");
    }
    out.flush();
    return changes == 0 ? ExitCode.OK : ExitCode.FOUND; // as diff(1): 1 when the inputs differ
  }

  private static Set<String> processes(CheckpointReport r) {
    Set<String> s = new LinkedHashSet<>();
    for (CheckpointReport.Process p : r.processes()) {
      String cmd = p.commandLine().isBlank() ? p.task().comm() : p.commandLine().strip();
      s.add(p.task().pid() + " " + cmd);
    }
    return s;
  }

  private static Set<String> files(CheckpointReport r) {
    Set<String> s = new LinkedHashSet<>();
    for (CheckpointReport.Process p : r.processes()) {
      for (OpenFile f : p.task().files()) {
        s.add(p.task().pid() + " [" + f.label() + "] " + f.path());
      }
    }
    return s;
  }

  private static Set<String> sockets(CheckpointReport r) {
    Set<String> s = new LinkedHashSet<>();
    for (CheckpointReport.Process p : r.processes()) {
      for (OpenSocket k : p.task().sockets()) {
        s.add(p.task().pid() + " " + InspectCommand.socketProtocol(k) + " " + k.source() + ":" + k.sourcePort() + " -> "
            + k.destination() + ":" + k.destinationPort());
      }
    }
    return s;
  }

  private static int section(PrintWriter out, String title, Set<String> before, Set<String> after) {
    Set<String> gone = new LinkedHashSet<>(before);
    gone.removeAll(after);
    Set<String> added = new LinkedHashSet<>(after);
    added.removeAll(before);
    if (gone.isEmpty() && added.isEmpty()) {
      return 0;
    }
    out.println(title);
    gone.forEach(x -> UntrustedText.println(out, "  - " + x));
    added.forEach(x -> UntrustedText.println(out, "  + " + x));
    return gone.size() + added.size();
  }
}
