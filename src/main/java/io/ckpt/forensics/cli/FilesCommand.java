package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.archive.ChangedFile;
import io.ckpt.forensics.archive.FileChanges;
import io.ckpt.forensics.archive.FileChangesReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
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
 * {@code fcp files}: what the container wrote (rootfs-diff.tar), deleted (deleted.files) and kept in
 * memory-backed mounts (tmpfs images), listed from the archive in one read, nothing extracted.
 */
@Command(name = "files", mixinStandardHelpOptions = true,
    description = "Files the container wrote (rootfs-diff.tar), deleted (deleted.files) and kept in tmpfs mounts,"
        + " with SHA-256 of regular files; nothing is extracted.")
final class FilesCommand implements Callable<Integer> {

  /** The "schema" value of the JSON output (docs/fcp-output.schema.json). */
  static final String JSON_SCHEMA = "fcp.files/v1";

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "ARCHIVE", description = "checkpoint archive (OpenPGP-encrypted too; - reads standard input)")
  Path archive;

  @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
  OutputFormat format;

  @Option(names = ArchiveInput.NO_SHA256,
      description = "skip the SHA-256 of the archive and of the files in it (their bytes are then skipped, not read)")
  boolean noSha256;

  @Mixin
  FileFilterOptions filter;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Override
  public Integer call() throws Exception {
    FileChangesReader reader = new FileChangesReader(filter.predicate(), !noSha256);
    FileChanges changes;
    ArchiveInput.Digest digest;
    long archiveBytes;
    try (ArchiveInput in = ArchiveInput.open(archive, decryptionKeys, FcpMain.stdin(spec), !noSha256, reader, false)) {
      changes = reader.finish(in.tar());
      digest = in.digest();
      archiveBytes = in.tar().fileSize();
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (format == OutputFormat.json) {
      ObjectNode o = JsonOutput.document(JSON_SCHEMA).put("archive", archive.toString()).put("archive_bytes", archiveBytes);
      digest.addTo(o);
      json(o, changes);
      JsonOutput.print(out, o);
    } else {
      text(out, changes);
    }
    for (String p : changes.problems()) {
      UntrustedText.println(err, "fcp: " + p);
    }
    err.flush();
    return changes.problems().isEmpty() ? ExitCode.OK : ExitCode.BAD_ARCHIVE;
  }

  private void text(PrintWriter out, FileChanges changes) {
    if (changes.entries().isEmpty()) {
      UntrustedText.printf(out, "No file changes%s in %s%n", filtered() ? " match" : " recorded", archive);
    } else {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"CHANGE", "TYPE", "MODE", "OWNER", "SIZE", "MODIFIED", "SHA-256", "PATH"});
      for (ChangedFile f : changes.entries()) {
        rows.add(row(f));
      }
      Table.print(out, rows);
    }
    UntrustedText.printf(out, "%s%n", counts(changes));
    out.flush();
  }

  static String[] row(ChangedFile f) {
    boolean deleted = f.change() == ChangedFile.Change.DELETED;
    String path = f.path() + (f.linkTarget().isEmpty() ? "" : (f.type().equals("hardlink") ? " => " : " -> ")
        + f.linkTarget()) + (f.unsafeName() ? "  (unsafe name)" : "");
    return new String[] {f.change().label(), deleted ? "-" : f.type(), deleted ? "-" : modeText(f),
        deleted ? "-" : owner(f), deleted ? "-" : f.device().isEmpty() ? HumanUnits.bytes(f.size()) : f.device(),
        f.mtimeSeconds() < 0 ? "-" : time(f.mtimeSeconds()), f.sha256().isEmpty() ? "-" : f.sha256(), path};
  }

  /** "3 written, 1 deleted, 2 in tmpfs" (and what was not kept). */
  static String counts(FileChanges c) {
    return c.written() + " written, " + c.deleted() + " deleted, " + c.tmpfs() + " in tmpfs"
        + (c.truncated() ? " (only the first " + c.entries().size() + " listed: more than fcp keeps in memory)" : "");
  }

  private boolean filtered() {
    return filter.path != null || filter.newer != null || filter.types != null || filter.changes != null;
  }

  static void json(ObjectNode o, FileChanges c) {
    o.putObject("counts").put("written", c.written()).put("deleted", c.deleted()).put("tmpfs", c.tmpfs());
    o.put("truncated", c.truncated());
    ArrayNode entries = o.putArray("entries");
    for (ChangedFile f : c.entries()) {
      entry(entries.addObject(), f);
    }
    ArrayNode problems = o.putArray("problems");
    c.problems().forEach(problems::add);
  }

  static ObjectNode entry(ObjectNode e, ChangedFile f) {
    e.put("change", f.change().label()).put("path", f.path()).put("type", f.type()).put("size", f.size())
        .put("mode", f.mode()).put("uid", f.uid()).put("gid", f.gid()).put("user", f.user()).put("group", f.group());
    if (f.mtimeSeconds() >= 0) {
      e.put("modified", time(f.mtimeSeconds()));
    } else {
      e.putNull("modified");
    }
    return e.put("link_target", f.linkTarget()).put("device", f.device()).put("sha256", f.sha256())
        .put("elf", f.elf()).put("executable", f.executable()).put("mount_point", f.mountPoint())
        .put("member", f.member()).put("unsafe_name", f.unsafeName());
  }

  static String time(long seconds) {
    return Instant.ofEpochSecond(seconds).toString();
  }

  static String owner(ChangedFile f) {
    String user = f.user().isEmpty() ? Long.toString(f.uid()) : f.user();
    String group = f.group().isEmpty() ? Long.toString(f.gid()) : f.group();
    return user + ":" + group;
  }

  /** ls -l's mode column: type, then rwx with set-id and sticky bits. */
  static String modeText(ChangedFile f) {
    char type = switch (f.type()) {
      case "directory" -> 'd';
      case "symlink" -> 'l';
      case "char" -> 'c';
      case "block" -> 'b';
      case "fifo" -> 'p';
      case "hardlink" -> 'h';
      default -> '-';
    };
    int m = f.mode();
    StringBuilder s = new StringBuilder().append(type);
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      s.append((m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    if ((m & 04000) != 0) {
      s.setCharAt(3, (m & 0100) != 0 ? 's' : 'S');
    }
    if ((m & 02000) != 0) {
      s.setCharAt(6, (m & 010) != 0 ? 's' : 'S');
    }
    if ((m & 01000) != 0) {
      s.setCharAt(9, (m & 01) != 0 ? 't' : 'T');
    }
    return s.toString();
  }
}
