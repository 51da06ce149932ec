package io.ckpt.forensics.cli;

import io.ckpt.forensics.analysis.CheckpointReport;
import io.ckpt.forensics.analysis.CapturedOverview;
import io.ckpt.forensics.archive.ContainerMetadata;
import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.OpenSocket;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fcp summary}: one screen that says what was captured and what deserves a look. */
@Command(name = "summary", mixinStandardHelpOptions = true,
    description = "One screen: container, processes, sockets, open files, memory, suspicious signs.")
final class SummaryCommand implements Callable<Integer> {

  private static final int TOP = 10;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "ARCHIVE", description = "checkpoint archive (OpenPGP-encrypted too; - reads standard input)")
  Path archive;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Option(names = ArchiveInput.NO_SHA256,
      description = "skip the SHA-256 of a plain archive file (one more sequential read; a stream is hashed anyway)")
  boolean noSha256;

  @Override
  public Integer call() throws Exception {
    CheckpointReport r;
    ArchiveInput.Digest digest;
    try (ArchiveInput in = ArchiveInput.open(archive, decryptionKeys, FcpMain.stdin(spec), !noSha256)) {
      r = CheckpointReport.read(in.tar());
      digest = in.digest();
    }
    PrintWriter out = spec.commandLine().getOut();
    ContainerMetadata c = r.container();
    UntrustedText.printf(out, "Archive       %s (%s)%n", archive, HumanUnits.bytes(r.archiveBytes()));
    UntrustedText.printf(out, "SHA-256       %s%n", digest.text());
    UntrustedText.printf(out, "Container     %s%s%n", c.name().isEmpty() ? "-" : c.name(),
        c.pod().isEmpty() ? "" : "  pod " + c.namespace() + "/" + c.pod());
    UntrustedText.printf(out, "Image         %s%n", c.image().isEmpty() ? "-" : c.image());
    UntrustedText.printf(out, "Runtime       %s%s%n", c.engine().isEmpty() ? "-" : c.engine(), c.runtime().isEmpty() ? "" : " / " + c.runtime());
    UntrustedText.printf(out, "Checkpointed  %s%n", c.checkpointed().isEmpty() ? "-" : c.checkpointed());
    if (!r.processes().isEmpty()) {
      var first = r.processes().get(0);
      UntrustedText.printf(out, "Architecture  %s, page size %d%n", first.task().architecture(), first.pageSize());
    }
    long alive = r.processes().stream().filter(p -> p.task().state().hasResources()).count();
    UntrustedText.printf(out, "Processes     %d (%d with memory)%n", r.processes().size(), alive);
    for (CheckpointReport.Process p : r.processes().stream().limit(TOP).toList()) {
      String cmd = p.commandLine().isBlank() ? "[" + p.task().comm() + "]" : p.commandLine().strip();
      UntrustedText.printf(out, "  %-6d %s%n", p.task().pid(), cmd);
    }
    if (r.processes().size() > TOP) {
      UntrustedText.printf(out, "  ... %d more (fcp inspect --ps-tree)%n", r.processes().size() - TOP);
    }
    List<String> listening = new ArrayList<>();
    List<String> connected = new ArrayList<>();
    List<String> files = new ArrayList<>();
    long memory = 0;
    for (CheckpointReport.Process p : r.processes()) {
      memory += p.memoryBytes();
      for (OpenSocket s : p.task().sockets()) {
        String line = p.task().pid() + " " + InspectCommand.socketProtocol(s) + " " + InspectCommand.socketText(s);
        if (s.listening()) {
          listening.add(line);
        } else if (s.destinationPort() != 0 || "ESTABLISHED".equals(s.state())) {
          connected.add(line);
        }
      }
      for (OpenFile f : p.task().files()) {
        if (f.type().equals("REG") && !f.path().startsWith("/proc/") && !f.path().startsWith("/dev/")) {
          files.add(p.task().pid() + " fd " + f.fd() + " " + f.path());
        }
      }
    }
    section(out, "Listening", listening);
    section(out, "Connected", connected);
    section(out, "Open files", files);
    UntrustedText.printf(out, "Memory        %s in pagemaps, %s of page data in the archive%n", HumanUnits.bytes(memory),
        HumanUnits.bytes(r.sizes().memoryPages()));
    if (r.sizes().rootFsDiff() > 0) {
      UntrustedText.printf(out, "Rootfs diff   %s%n", HumanUnits.bytes(r.sizes().rootFsDiff()));
    }
    section(out, "Worth a look", CapturedOverview.of(r).signs());
    if (!r.problems().isEmpty()) {
      section(out, "Tree problems", r.problems());
    }
    out.flush();
    return 0;
  }

  private static void section(PrintWriter out, String title, List<String> lines) {
    if (lines.isEmpty()) {
      UntrustedText.printf(out, "%-13s none%n", title);
      return;
    }
    UntrustedText.printf(out, "%s%n", title);
    for (String l : lines.stream().limit(TOP).toList()) {
      UntrustedText.printf(out, "  %s%n", l);
    }
    if (lines.size() > TOP) {
      UntrustedText.printf(out, "  ... %d more%n", lines.size() - TOP);
    }
  }
}
