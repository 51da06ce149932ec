package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kubectl fcp take POD}: creates a ForensicCheckpoint of the pod and, with --wait, follows it to its end. */
@Command(name = "take", sortOptions = false, footer = PluginExitCode.FOOTER,
    description = {"Take a forensic checkpoint of a pod's containers: creates a ForensicCheckpoint in the pod's"
        + " namespace (needs the right to create forensiccheckpoints there, nothing else).",
        "With --wait, follows it, one line per container step, until the checkpoint and the custody of its"
            + " archives (when the operator stores evidence) are over, and exits 0 only when both succeeded."})
final class TakeCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "POD", description = "The pod, in the namespace (-n).")
  String pod;

  @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER",
      description = "A container to checkpoint; repeat for several (default: every running container).")
  List<String> containers;

  @Option(names = "--reason", required = true, paramLabel = "TEXT",
      description = "Why (the alert, the ticket): one line, recorded in the object, its events and the custody record.")
  String reason;

  @Option(names = "--case", paramLabel = "ID", description = "The incident or case identifier.")
  String caseId;

  @Option(names = "--name", paramLabel = "NAME",
      description = "The ForensicCheckpoint's name (default: the pod's name and a random suffix).")
  String name;

  @Option(names = "--export", paramLabel = "REPOSITORY",
      description = "Also push each container's checkpoint image to this repository (registry host and path, no tag),"
          + " which the operator's admin must allow (export.allowedRepositories); the pushed digest lands in the"
          + " container's export status, and restore uses it when given no --image.")
  String exportRepository;

  @Option(names = "--wait", description = "Follow the checkpoint until it is over, printing its progress.")
  boolean wait;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationOption.class,
      description = "How long --wait follows before giving up, e.g. 90s, 5m (default: ${DEFAULT-VALUE})."
          + " The checkpoint goes on either way.")
  Duration timeout;

  @Option(names = "--poll-interval", hidden = true, defaultValue = "1s", converter = DurationOption.class)
  Duration pollInterval;

  @Override
  public Integer call() throws PluginError, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    try (ClusterOptions.Cluster c = cluster.connect()) {
      ForensicCheckpoint created;
      try {
        created = c.client().resources(ForensicCheckpoint.class).inNamespace(c.namespace()).resource(request(c.namespace()))
            .create();
      } catch (KubernetesClientException e) {
        throw ApiRefusal.of(e, "create", ApiRefusal.FORENSIC_CHECKPOINTS, c.namespace(), name);
      }
      String made = created.getMetadata().getName();
      out.println("forensiccheckpoint.forensics.ckpt.io/" + made + " created in namespace " + c.namespace());
      if (!wait) {
        out.println("follow it: kubectl fcp describe " + made + " -n " + c.namespace());
        return PluginExitCode.OK;
      }
      out.flush();
      return new CheckpointFollower(c, out, pollInterval).follow(made, timeout);
    }
  }

  /** The object this take creates in the namespace; the API server validates it (--export's pattern too). */
  ForensicCheckpoint request(String namespace) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    // without --name the API server picks a unique suffix: two takes of one pod never collide
    fcp.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name)
        .withGenerateName(name == null ? pod + "-" : null).build());
    ForensicCheckpointSpec request = new ForensicCheckpointSpec();
    request.setPodName(pod);
    request.setContainers(containers == null || containers.isEmpty() ? null : containers);
    request.setReason(reason);
    request.setCaseId(caseId);
    request.setExport(exportRepository == null ? null : new ExportSpec(exportRepository));
    fcp.setSpec(request);
    return fcp;
  }
}
