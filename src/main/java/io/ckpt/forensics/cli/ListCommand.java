package io.ckpt.forensics.cli;

import io.ckpt.forensics.archive.ContainerMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fcp list}: the checkpoint archives in a directory, one line each. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List checkpoint archives in a directory (default /var/lib/kubelet/checkpoints); encrypted ones"
        + " (.tar.gpg, .tar.asc) with --decryption-key.")
final class ListCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "DIR", arity = "0..1", defaultValue = "/var/lib/kubelet/checkpoints",
      description = "directory to list (default: ${DEFAULT-VALUE})")
  Path dir;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(dir)) {
      throw new UserError("not a directory: " + dir);
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).filter(p -> {
        String n = p.getFileName().toString();
        return n.endsWith(".tar") || n.endsWith(".tar.gz") || n.endsWith(".tgz") || n.endsWith(".tar.zst")
            || n.endsWith(".tar.gpg") || n.endsWith(".tar.asc");
      }).sorted().toList();
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAMESPACE", "POD", "CONTAINER", "ENGINE", "TIME", "FILE", "SIZE"});
    int unreadable = 0;
    for (Path f : files) {
      // an encrypted archive is decrypted with the keys given, in one pass over it; without them it is skipped
      try (ArchiveInput in = ArchiveInput.open(f, decryptionKeys, FcpMain.stdin(spec), false)) {
        ContainerMetadata m = ContainerMetadata.read(in.tar());
        String time = m.checkpointed().isEmpty()
            ? DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                Instant.ofEpochMilli(Files.getLastModifiedTime(f).toMillis()).atOffset(ZoneOffset.UTC).withNano(0))
            : m.checkpointed();
        rows.add(new String[] {dash(m.namespace()), dash(m.pod()), dash(m.name()), dash(m.engine()), time,
            f.getFileName().toString(), HumanUnits.bytes(Files.size(f))});
      } catch (IOException | UserError e) {
        unreadable++;
        UntrustedText.println(err, "fcp: skipping " + f.getFileName() + ": " + e.getMessage());
      }
    }
    if (rows.size() == 1) {
      UntrustedText.println(out, "No checkpoint archives in " + dir);
    } else {
      Table.print(out, rows);
    }
    out.flush();
    err.flush();
    return unreadable == 0 ? ExitCode.OK : ExitCode.BAD_ARCHIVE; // the others are listed all the same
  }

  private static String dash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
