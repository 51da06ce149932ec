package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.cli.FcpMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl fcp inspect NAME [-- FCP_INSPECT_OPTIONS]}: fetches and verifies a container's stored
 * evidence into a temporary directory (as {@code fetch} does), runs {@code fcp inspect} on it, and
 * removes the download. Nothing is inspected that did not verify.
 */
@Command(name = "inspect", sortOptions = false, footer = PluginExitCode.FOOTER,
    description = {"Fetch and verify a container's stored evidence (as fetch does) and run fcp inspect on it;"
        + " options after -- go to fcp inspect (e.g. -- --all, -- --ps-tree --format json).",
        "The download is removed afterwards; use fetch to keep it."})
final class InspectCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "NAME", description = "The ForensicCheckpoint.")
  String name;

  @Parameters(index = "1..*", paramLabel = "FCP_INSPECT_OPTION", description = "Options for fcp inspect, after --.")
  List<String> inspectOptions = new ArrayList<>();

  @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER",
      description = "Whose evidence (default: the only container with stored evidence).")
  String container;

  @Mixin
  CustodyKeyOptions keys;

  @Mixin
  StoreAccessOptions access;

  @Override
  public Integer call() throws PluginError {
    PrintWriter out = spec.commandLine().getOut();
    var verifier = keys.verifier();
    Path dir = null;
    try (ClusterOptions.Cluster c = cluster.connect(); StoreReader store = new StoreReader(access)) {
      ForensicCheckpoint fcp = CheckpointLookup.get(c, name);
      EvidenceChoice.Chosen chosen = EvidenceChoice.of(fcp, container);
      if (Boolean.TRUE.equals(chosen.evidence().getEncrypted()) && keys.decryptionKeys.isEmpty()) {
        throw new PluginError(PluginExitCode.USAGE, "the evidence of " + name + " is encrypted"
            + (chosen.evidence().getRecipients() == null ? "" : " to " + String.join(", ",
                chosen.evidence().getRecipients())) + ": give --decryption-key SECRET_KEY of a recipient");
      }
      dir = Files.createTempDirectory("kubectl-fcp-inspect");
      Path file = dir.resolve(FetchCommand.fileName(chosen.evidence().getLocation()));
      VerifiedDownload.fetch(store, chosen.evidence(), fcp.getMetadata(), chosen.container(), file, verifier, out);
      out.println("verified; fcp inspect of container " + chosen.container() + ":");
      out.flush();
      List<String> args = new ArrayList<>(List.of("inspect"));
      args.addAll(inspectOptions);
      for (Path key : keys.decryptionKeys) {
        args.addAll(List.of("--decryption-key", key.toString()));
      }
      if (keys.passphraseFile != null) {
        args.addAll(List.of("--passphrase-file", keys.passphraseFile.toString()));
      }
      args.add(file.toString());
      int code = FcpMain.run(args.toArray(String[]::new), out, spec.commandLine().getErr());
      // fcp's own codes overlap ours (3 and 4 mean other things there): a usage error stays one, any
      // other failure of fcp inspect is reported as a failed command, its message already printed
      return code == 0 ? PluginExitCode.OK : code == 2 ? PluginExitCode.USAGE : PluginExitCode.FAILED;
    } catch (IOException e) {
      throw new PluginError(PluginExitCode.USAGE, "cannot make a temporary directory: " + e.getMessage(), e);
    } finally {
      delete(dir);
    }
  }

  private static void delete(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind holds only verified evidence the user may read anyway
    }
  }
}
