package io.ckpt.forensics.plugin;

import io.ckpt.forensics.analysis.UnsafeCharacters;
import io.ckpt.forensics.api.ForensicCheckpoint;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kubectl fcp fetch NAME}: downloads a container's stored evidence and keeps it only when it verifies. */
@Command(name = "fetch", sortOptions = false, footer = PluginExitCode.FOOTER,
    description = {"Download a container's stored evidence and its custody record, verify them (signature, sizes,"
        + " digests; with --decryption-key the plaintext too) and keep both only when every check passed.",
        "Reads the ForensicCheckpoint (get on forensiccheckpoints) and the store with your own access: S3 with your"
            + " credentials, a filesystem store through its volume mounted here."})
final class FetchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "NAME", description = "The ForensicCheckpoint.")
  String name;

  @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER",
      description = "Whose evidence (default: the only container with stored evidence).")
  String container;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Where to write it (default: the stored file's name, here); the record goes to FILE.dsse.json.")
  Path output;

  @Mixin
  CustodyKeyOptions keys;

  @Mixin
  StoreAccessOptions access;

  @Override
  public Integer call() throws PluginError {
    PrintWriter out = spec.commandLine().getOut();
    var verifier = keys.verifier();
    try (ClusterOptions.Cluster c = cluster.connect(); StoreReader store = new StoreReader(access)) {
      ForensicCheckpoint fcp = CheckpointLookup.get(c, name);
      EvidenceChoice.Chosen chosen = EvidenceChoice.of(fcp, container);
      Path target = output != null ? output : Path.of(fileName(chosen.evidence().getLocation()));
      out.println("fetching " + UnsafeCharacters.escape(chosen.evidence().getLocation()) + " (container "
          + chosen.container() + ") and its custody record");
      VerifiedDownload.Kept kept = VerifiedDownload.fetch(store, chosen.evidence(), fcp.getMetadata(),
          chosen.container(), target, verifier, out);
      out.println("verified and kept: " + kept.evidence() + " (" + kept.bytes() + " bytes"
          + (Boolean.TRUE.equals(chosen.evidence().getEncrypted()) ? ", encrypted as stored" : "") + ") and "
          + kept.record());
      return PluginExitCode.OK;
    }
  }

  /** The last part of the location's path: a name the collector chose, such as app-1.tar or app-1.tar.gpg. */
  static String fileName(String location) throws PluginError {
    String path = URI.create(location).getPath();
    String last = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
    if (!last.matches("[A-Za-z0-9._-]+") || last.startsWith(".")) {
      throw new PluginError(PluginExitCode.USAGE, "the stored file's name is not one to write here: give -o FILE");
    }
    return last;
  }
}
