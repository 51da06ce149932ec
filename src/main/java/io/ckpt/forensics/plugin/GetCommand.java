package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kubectl fcp get [NAME]}: one ForensicCheckpoint, or all of a namespace, as a table. */
@Command(name = "get", footer = PluginExitCode.FOOTER,
    description = "Show ForensicCheckpoints: phase, each container's phase and whether the evidence is stored"
        + " (needs get, or list without NAME, on forensiccheckpoints).")
final class GetCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "A ForensicCheckpoint (default: all in"
      + " the namespace, oldest first).")
  String name;

  @Override
  public Integer call() throws PluginError {
    PrintWriter out = spec.commandLine().getOut();
    try (ClusterOptions.Cluster c = cluster.connect()) {
      List<ForensicCheckpoint> shown;
      var fcps = c.client().resources(ForensicCheckpoint.class).inNamespace(c.namespace());
      try {
        if (name != null) {
          ForensicCheckpoint one = fcps.withName(name).get();
          if (one == null) {
            throw new PluginError(PluginExitCode.NOT_FOUND, "forensiccheckpoints.forensics.ckpt.io \"" + name
                + "\" not found in namespace " + c.namespace());
          }
          shown = List.of(one);
        } else {
          shown = fcps.list().getItems().stream().sorted(Comparator.comparing(
              (ForensicCheckpoint f) -> String.valueOf(f.getMetadata().getCreationTimestamp()))
              .thenComparing(f -> f.getMetadata().getName())).toList();
        }
      } catch (KubernetesClientException e) {
        throw ApiRefusal.of(e, name == null ? "list" : "get", ApiRefusal.FORENSIC_CHECKPOINTS, c.namespace(), name);
      }
      if (shown.isEmpty()) {
        spec.commandLine().getErr().println("No ForensicCheckpoints in namespace " + c.namespace() + ".");
        return PluginExitCode.OK;
      }
      CheckpointTable.render(shown, Instant.now()).forEach(out::println);
      return PluginExitCode.OK;
    }
  }
}
