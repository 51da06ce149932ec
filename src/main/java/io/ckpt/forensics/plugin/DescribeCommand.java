package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ForensicCheckpoint;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kubectl fcp describe NAME}: everything the status says, evidence and captured summary included. */
@Command(name = "describe", footer = PluginExitCode.FOOTER,
    description = "Describe a ForensicCheckpoint: request, outcome, each container's archive, its stored evidence"
        + " and custody record, and what the archive holds (needs get on forensiccheckpoints).")
final class DescribeCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "NAME", description = "The ForensicCheckpoint.")
  String name;

  @Override
  public Integer call() throws PluginError {
    try (ClusterOptions.Cluster c = cluster.connect()) {
      ForensicCheckpoint fcp = CheckpointLookup.get(c, name);
      CheckpointDescription.render(fcp).forEach(spec.commandLine().getOut()::println);
      return PluginExitCode.OK;
    }
  }
}
