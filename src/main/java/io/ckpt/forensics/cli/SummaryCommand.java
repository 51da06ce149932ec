package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.analysis.CheckpointReport;
import io.ckpt.forensics.analysis.CapturedOverview;
import io.ckpt.forensics.archive.ContainerMetadata;
import io.ckpt.forensics.archive.FileChanges;
import io.ckpt.forensics.archive.FileChangesReader;
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
import picocli.CommandLine.Option;
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

  @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
  OutputFormat format;

  /** The "schema" value of the JSON output (docs/fcp-output.schema.json). */
  static final String JSON_SCHEMA = "fcp.summary/v1";

  @Mixin
  DecryptionKeys decryptionKeys;

  @Option(names = ArchiveInput.NO_SHA256,
      description = "skip the SHA-256 of a plain archive file (one more sequential read; a stream is hashed anyway)")
  boolean noSha256;

  @Override
  public Integer call() throws Exception {
    CheckpointReport r;
    ArchiveInput.Digest digest;
    FileChanges changes;
    // the file changes are listed in the same read (ELF magic only: fcp files hashes them)
    FileChangesReader reader = new FileChangesReader(f -> true, false);
    try (ArchiveInput in = ArchiveInput.open(archive, decryptionKeys, FcpMain.stdin(spec), !noSha256, reader, true)) {
      changes = reader.finish(in.tar());
      r = CheckpointReport.read(in.tar());
      digest = in.digest();
    }
    CapturedOverview overview = CapturedOverview.of(r, changes);
    PrintWriter out = spec.commandLine().getOut();
    if (format == OutputFormat.json) {
      JsonOutput.print(out, json(r, digest, overview, changes));
      return 0;
    }
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
        } else if (isConnected(s)) {
          connected.add(line);
        }
      }
      for (OpenFile f : p.task().files()) {
        if (isWorthListing(f)) {
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
    if (changes.written() + changes.deleted() + changes.tmpfs() > 0 || !changes.problems().isEmpty()) {
      UntrustedText.printf(out, "Files         %s (fcp files lists them)%n", FilesCommand.counts(changes));
      for (String top : overview.topFiles()) {
        UntrustedText.printf(out, "  %s%n", top);
      }
      for (String p : changes.problems()) {
        UntrustedText.printf(out, "  unreadable: %s%n", p);
      }
    } else {
      UntrustedText.printf(out, "Files         none written, deleted or in tmpfs%n");
    }
    section(out, "Worth a look", overview.signs());
    if (!r.problems().isEmpty()) {
      section(out, "Tree problems", r.problems());
    }
    out.flush();
    return 0;
  }

  /** Everything the text shows, without its cut to the first {@value #TOP} lines of a section. */
  private ObjectNode json(CheckpointReport r, ArchiveInput.Digest digest, CapturedOverview overview,
      FileChanges changes) {
    ObjectNode o = JsonOutput.document(JSON_SCHEMA);
    o.put("archive", archive.toString());
    o.put("archive_bytes", r.archiveBytes());
    digest.addTo(o);
    JsonOutput.container(o.putObject("container"), r.container());
    o.put("architecture", overview.architecture().orElse(""));
    o.put("page_size", r.processes().isEmpty() ? 0 : r.processes().get(0).pageSize());
    ArrayNode processes = o.putArray("processes");
    ArrayNode listening = o.putArray("listening");
    ArrayNode connected = o.putArray("connected");
    ArrayNode files = o.putArray("open_files");
    long memory = 0;
    for (CheckpointReport.Process p : r.processes()) {
      var t = p.task();
      memory += p.memoryBytes();
      processes.addObject().put("pid", t.pid()).put("ppid", t.ppid()).put("command", t.comm())
          .put("cmdline", p.commandLine()).put("state", t.state().label()).put("memory_bytes", p.memoryBytes());
      for (OpenSocket s : t.sockets()) {
        if (s.listening()) {
          JsonOutput.socket(listening.addObject().put("pid", t.pid()), s);
        } else if (isConnected(s)) {
          JsonOutput.socket(connected.addObject().put("pid", t.pid()), s);
        }
      }
      for (OpenFile f : t.files()) {
        if (isWorthListing(f)) {
          JsonOutput.file(files.addObject().put("pid", t.pid()), f);
        }
      }
    }
    o.put("memory_bytes", memory);
    o.put("memory_pages_bytes", r.sizes().memoryPages());
    o.put("rootfs_diff_bytes", r.sizes().rootFsDiff());
    ObjectNode changed = o.putObject("file_changes");
    changed.put("written", changes.written()).put("deleted", changes.deleted()).put("tmpfs", changes.tmpfs());
    ArrayNode top = changed.putArray("top");
    overview.topFiles().forEach(top::add);
    ArrayNode fileProblems = changed.putArray("problems");
    changes.problems().forEach(fileProblems::add);
    ArrayNode signs = o.putArray("worth_a_look");
    overview.signs().forEach(signs::add);
    if (!r.problems().isEmpty()) {
      ArrayNode problems = o.putArray("process_tree_problems");
      r.problems().forEach(problems::add);
    }
    return o;
  }

  private static boolean isConnected(OpenSocket s) {
    return s.destinationPort() != 0 || "ESTABLISHED".equals(s.state());
  }

  /** A regular file, not one of the /proc and /dev files every process has. */
  private static boolean isWorthListing(OpenFile f) {
    return f.type().equals("REG") && !f.path().startsWith("/proc/") && !f.path().startsWith("/dev/");
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
