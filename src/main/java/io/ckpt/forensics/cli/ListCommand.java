package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import picocli.CommandLine.Option;
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

  @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
  OutputFormat format;

  /** The "schema" value of the JSON output (docs/fcp-output.schema.json). */
  static final String JSON_SCHEMA = "fcp.list/v1";

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
    ObjectNode json = JsonOutput.document(JSON_SCHEMA).put("directory", dir.toString());
    ArrayNode listed = json.putArray("archives");
    ArrayNode skipped = json.putArray("unreadable");
    int unreadable = 0;
    for (Path f : files) {
      // an encrypted archive is decrypted with the keys given, in one pass over it; without them it is skipped
      try (ArchiveInput in = ArchiveInput.open(f, decryptionKeys, FcpMain.stdin(spec), false)) {
        ContainerMetadata m = ContainerMetadata.read(in.tar());
        String modified = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
            Instant.ofEpochMilli(Files.getLastModifiedTime(f).toMillis()).atOffset(ZoneOffset.UTC).withNano(0));
        String time = m.checkpointed().isEmpty() ? modified : m.checkpointed();
        long size = Files.size(f);
        rows.add(new String[] {dash(m.namespace()), dash(m.pod()), dash(m.name()), dash(m.engine()), time,
            f.getFileName().toString(), HumanUnits.bytes(size)});
        listed.addObject().put("archive", f.toString()).put("archive_bytes", size)
            .put("namespace", m.namespace()).put("pod", m.pod()).put("container", m.name()).put("engine", m.engine())
            .put("checkpointed", m.checkpointed()).put("file_modified", modified);
      } catch (IOException | UserError e) {
        unreadable++;
        // stderr stays text in JSON mode too (a person watches it); the JSON names the file as well
        UntrustedText.println(err, "fcp: skipping " + f.getFileName() + ": " + e.getMessage());
        skipped.addObject().put("archive", f.toString()).put("error", String.valueOf(e.getMessage()));
      }
    }
    if (format == OutputFormat.json) {
      JsonOutput.print(out, json);
    } else if (rows.size() == 1) {
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
