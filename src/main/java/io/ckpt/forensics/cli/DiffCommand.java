package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.analysis.CheckpointReport;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fcp diff}: what appeared (+), vanished (-) or changed (~) between two checkpoints of one
 * container, with checkpointctl's selectors: processes always, open files with {@code --files},
 * sockets with {@code --sockets}, command lines with {@code --ps-tree-cmd}; and what the container
 * wrote, deleted or kept in tmpfs ({@code fcp files}) with {@code --written}.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Processes (and with --files / --sockets / --written, open files, sockets and the files the"
        + " container wrote, deleted or kept in tmpfs) that appeared (+), vanished (-) or changed (~) from A to B.")
final class DiffCommand implements Callable<Integer> {

  /** The "schema" value of the JSON output (docs/fcp-output.schema.json). */
  static final String JSON_SCHEMA = "fcp.diff/v1";

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "A", description = "the earlier checkpoint")
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "the later checkpoint (either may be -, standard input)")
  Path b;

  @Option(names = "--ps-tree-cmd", description = "show processes by command line and count a changed one as modified")
  boolean psTreeCmd;
  @Option(names = "--files", description = "also compare open files")
  boolean files;
  @Option(names = "--sockets", description = "also compare sockets")
  boolean sockets;
  @Option(names = "--written", description = "also compare the files written, deleted and kept in tmpfs (fcp files),"
      + " by path, type, size, mode, owner, link target and SHA-256")
  boolean written;
  @Option(names = "--format", defaultValue = "tree", description = "tree or json (default: ${DEFAULT-VALUE})")
  InspectCommand.Format format;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Override
  public Integer call() throws Exception {
    CheckpointReport ra;
    CheckpointReport rb;
    ArchiveInput.atMostOneStdin(java.util.List.of(a, b));
    FileChangesReader readA = written ? new FileChangesReader(f -> true, true) : null;
    FileChangesReader readB = written ? new FileChangesReader(f -> true, true) : null;
    WrittenFilesDiff writtenChanges = null;
    try (ArchiveInput ta = ArchiveInput.open(a, decryptionKeys, FcpMain.stdin(spec), false, readA, true);
        ArchiveInput tb = ArchiveInput.open(b, decryptionKeys, FcpMain.stdin(spec), false, readB, true)) {
      ra = CheckpointReport.read(ta.tar());
      rb = CheckpointReport.read(tb.tar());
      if (written) {
        writtenChanges = WrittenFilesDiff.of(readA.finish(ta.tar()), readB.finish(tb.tar()));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    CheckpointDiff.ProcessChanges processes = CheckpointDiff.processes(ra, rb, psTreeCmd);
    CheckpointDiff.Changes<CheckpointDiff.HeldFile> fileChanges = files ? CheckpointDiff.files(ra, rb) : null;
    CheckpointDiff.Changes<CheckpointDiff.HeldSocket> socketChanges = sockets ? CheckpointDiff.sockets(ra, rb) : null;
    if (format == InspectCommand.Format.json) {
      ObjectNode o = json(ra, rb, processes, fileChanges, socketChanges);
      if (writtenChanges != null) {
        ObjectNode w = o.putObject("written_changes");
        ArrayNode added = w.putArray("added");
        writtenChanges.changes().added().forEach(f -> FilesCommand.entry(added.addObject(), f));
        ArrayNode removed = w.putArray("removed");
        writtenChanges.changes().removed().forEach(f -> FilesCommand.entry(removed.addObject(), f));
        ArrayNode modified = w.putArray("modified");
        for (WrittenFilesDiff.Modified m : writtenChanges.modified()) {
          ObjectNode pair = modified.addObject();
          FilesCommand.entry(pair.putObject("before"), m.before());
          FilesCommand.entry(pair.putObject("after"), m.after());
        }
        o.put("changes", o.path("changes").asInt() + writtenChanges.count());
      }
      JsonOutput.print(out, o);
    } else {
      tree(out, ra, rb, processes, fileChanges, socketChanges, writtenChanges);
    }
    out.flush();
    // as diff(1): 1 when the inputs differ
    int differences = count(processes, fileChanges, socketChanges) + (writtenChanges == null ? 0 : writtenChanges.count());
    return differences == 0 ? ExitCode.OK : ExitCode.FOUND;
  }

  /** The number of entries that appeared, vanished or changed in what was compared (memory size aside). */
  static int count(CheckpointDiff.ProcessChanges processes, CheckpointDiff.Changes<?> fileChanges,
      CheckpointDiff.Changes<?> socketChanges) {
    return processes.count() + (fileChanges == null ? 0 : fileChanges.count())
        + (socketChanges == null ? 0 : socketChanges.count());
  }

  private void tree(PrintWriter out, CheckpointReport ra, CheckpointReport rb, CheckpointDiff.ProcessChanges processes,
      CheckpointDiff.Changes<CheckpointDiff.HeldFile> fileChanges,
      CheckpointDiff.Changes<CheckpointDiff.HeldSocket> socketChanges, WrittenFilesDiff writtenChanges) {
    List<String> lines = new ArrayList<>();
    processes.changes().removed().forEach(p -> lines.add("- " + p.task().pid() + " " + shown(p)));
    processes.changes().added().forEach(p -> lines.add("+ " + p.task().pid() + " " + shown(p)));
    processes.modified().forEach(m -> lines.add("~ " + m.after().task().pid() + " " + shown(m.after()) + " (was "
        + shown(m.before()) + ")"));
    section(out, "Processes", lines);
    List<String> compared = new ArrayList<>(List.of("processes"));
    if (fileChanges != null) {
      compared.add("open files");
      section(out, "Open files", signed(fileChanges, f -> f.pid() + " [" + f.file().label() + "] " + f.file().path()));
    }
    if (socketChanges != null) {
      compared.add("sockets");
      section(out, "Sockets", signed(socketChanges, s -> s.pid() + " " + InspectCommand.socketProtocol(s.socket()) + " "
          + s.socket().source() + ":" + s.socket().sourcePort() + " -> " + s.socket().destination() + ":"
          + s.socket().destinationPort()));
    }
    int writtenCount = 0;
    if (writtenChanges != null) {
      compared.add("files written, deleted or in tmpfs");
      List<String> w = signed(writtenChanges.changes(), DiffCommand::writtenText);
      writtenChanges.modified().forEach(m -> w.add("~ " + writtenText(m.after()) + " (was " + m.before().type() + " "
          + m.before().size() + " B" + (m.before().sha256().isEmpty() ? "" : " " + m.before().sha256()) + ")"));
      section(out, "Files written, deleted or in tmpfs", w);
      writtenCount = writtenChanges.count();
    }
    if (count(processes, fileChanges, socketChanges) + writtenCount == 0) {
      String last = compared.remove(compared.size() - 1);
      out.println("No differences in " + (compared.isEmpty() ? "" : String.join(", ", compared) + " or ") + last + ".");
    }
    long memoryBefore = ra.sizes().memoryPages();
    long memoryAfter = rb.sizes().memoryPages();
    if (memoryBefore != memoryAfter) {
      out.printf("Memory pages  %s -> %s (%s%s)%n", HumanUnits.bytes(memoryBefore), HumanUnits.bytes(memoryAfter),
          memoryAfter > memoryBefore ? "+" : "-", HumanUnits.bytes(Math.abs(memoryAfter - memoryBefore)));
    }
  }

  private static String writtenText(io.ckpt.forensics.archive.ChangedFile f) {
    return f.change().label() + " " + f.path() + (f.type().isEmpty() ? "" : " " + f.type() + " " + f.size() + " B")
        + (f.sha256().isEmpty() ? "" : " " + f.sha256());
  }

  /** The command line with --ps-tree-cmd (when memory held one), else the command, as inspect's tree names a process. */
  private String shown(CheckpointReport.Process p) {
    return psTreeCmd && !p.commandLine().isBlank() ? p.commandLine().strip() : p.task().comm();
  }

  private static <T> List<String> signed(CheckpointDiff.Changes<T> changes, java.util.function.Function<T, String> text) {
    List<String> lines = new ArrayList<>();
    changes.removed().forEach(x -> lines.add("- " + text.apply(x)));
    changes.added().forEach(x -> lines.add("+ " + text.apply(x)));
    return lines;
  }

  private static void section(PrintWriter out, String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    out.println(title);
    lines.forEach(x -> UntrustedText.println(out, "  " + x));
  }

  private ObjectNode json(CheckpointReport ra, CheckpointReport rb, CheckpointDiff.ProcessChanges processes,
      CheckpointDiff.Changes<CheckpointDiff.HeldFile> fileChanges,
      CheckpointDiff.Changes<CheckpointDiff.HeldSocket> socketChanges) {
    ObjectNode o = JsonOutput.document(JSON_SCHEMA);
    o.put("container_name", ra.container().name());
    o.put("container_id", ra.container().id());
    o.put("image", ra.container().image());
    checkpoint(o.putObject("checkpoint_a"), ra);
    checkpoint(o.putObject("checkpoint_b"), rb);
    ObjectNode pc = o.putObject("process_changes");
    ArrayNode added = pc.putArray("added");
    processes.changes().added().forEach(p -> process(added.addObject(), p));
    ArrayNode removed = pc.putArray("removed");
    processes.changes().removed().forEach(p -> process(removed.addObject(), p));
    ArrayNode modified = pc.putArray("modified");
    for (CheckpointDiff.Modified m : processes.modified()) {
      ObjectNode entry = process(modified.addObject(), m.after());
      ObjectNode before = entry.putObject("before").put("command", m.before().task().comm());
      if (psTreeCmd) {
        before.put("cmdline", m.before().commandLine());
      }
    }
    if (fileChanges != null) {
      changes(o.putObject("file_changes"), fileChanges, (target, f) -> JsonOutput.file(target.put("pid", f.pid()),
          f.file()));
    }
    if (socketChanges != null) {
      changes(o.putObject("socket_changes"), socketChanges, (target, s) -> JsonOutput.socket(target.put("pid", s.pid()),
          s.socket()));
    }
    o.putObject("memory_changes").put("size_change_bytes", rb.sizes().memoryPages() - ra.sizes().memoryPages());
    o.put("changes", count(processes, fileChanges, socketChanges));
    return o;
  }

  /** {@code added} and {@code removed}, each entry an object that {@code fill} writes. */
  private static <T> void changes(ObjectNode target, CheckpointDiff.Changes<T> changes,
      java.util.function.BiConsumer<ObjectNode, T> fill) {
    ArrayNode added = target.putArray("added");
    changes.added().forEach(x -> fill.accept(added.addObject(), x));
    ArrayNode removed = target.putArray("removed");
    changes.removed().forEach(x -> fill.accept(removed.addObject(), x));
  }

  private static void checkpoint(ObjectNode target, CheckpointReport r) {
    target.put("archive", r.archive().toString()).put("checkpointed", r.container().checkpointed())
        .put("checkpoint_bytes", r.sizes().checkpoint()).put("memory_pages_bytes", r.sizes().memoryPages());
  }

  private ObjectNode process(ObjectNode target, CheckpointReport.Process p) {
    target.put("pid", p.task().pid()).put("command", p.task().comm());
    if (psTreeCmd) {
      target.put("cmdline", p.commandLine());
    }
    return target;
  }
}
