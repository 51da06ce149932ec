package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreSpec;
import io.ckpt.forensics.api.CheckpointRestoreStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl fcp restore NAME --node NODE}: creates a CheckpointRestore of a ForensicCheckpoint's
 * container, which the operator turns into a locked-down sandbox pod from the container's exported
 * checkpoint image; with --wait, follows it until the pod runs or the restore failed.
 */
@Command(name = "restore", sortOptions = false, footer = PluginExitCode.FOOTER,
    description = {"Restore a checkpointed container into a locked-down sandbox pod on a node: creates a"
        + " CheckpointRestore in the namespace (needs create on checkpointrestores there).",
        "With --wait, follows it until the sandbox pod runs (exit 0) or the restore failed (exit 1, with the reason)."})
final class RestoreCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "NAME", description = "The ForensicCheckpoint whose container to restore.")
  String checkpoint;

  @Option(names = "--node", required = true, paramLabel = "NODE",
      description = "The node to run the sandbox pod on; its runtime must be able to restore.")
  String node;

  @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER",
      description = "The container (default: the checkpoint's only one).")
  String container;

  @Option(names = "--runtime-class", paramLabel = "NAME",
      description = "RuntimeClass of the sandbox pod, e.g. gvisor or kata.")
  String runtimeClass;

  @Option(names = "--image", paramLabel = "REF@sha256:DIGEST",
      description = "The checkpoint image by digest (default: the container's export.reference).")
  String image;

  @Option(names = "--name", paramLabel = "NAME",
      description = "The CheckpointRestore's name, at most 63 characters (default: NAME-restore- and a random suffix).")
  String name;

  @Option(names = "--wait", description = "Follow the restore until its pod runs or it failed.")
  boolean wait;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationOption.class,
      description = "How long --wait follows, e.g. 90s, 5m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--poll-interval", hidden = true, defaultValue = "1s", converter = DurationOption.class)
  Duration pollInterval;

  @Override
  public Integer call() throws PluginError, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    try (ClusterOptions.Cluster c = cluster.connect()) {
      var restores = c.client().resources(CheckpointRestore.class).inNamespace(c.namespace());
      CheckpointRestore created;
      try {
        created = restores.resource(request(c)).create();
      } catch (KubernetesClientException e) {
        throw ApiRefusal.of(e, "create", ApiRefusal.CHECKPOINT_RESTORES, c.namespace(), name);
      }
      String made = created.getMetadata().getName();
      out.println("checkpointrestore.forensics.ckpt.io/" + made + " created in namespace " + c.namespace());
      if (!wait) {
        out.println("follow it: kubectl get fcr " + made + " -n " + c.namespace());
        return PluginExitCode.OK;
      }
      out.flush();
      long deadline = System.nanoTime() + timeout.toNanos();
      CheckpointRestoreStatus seen = null;
      while (true) {
        CheckpointRestore now;
        try {
          now = restores.withName(made).get();
        } catch (KubernetesClientException e) {
          throw ApiRefusal.of(e, "get", ApiRefusal.CHECKPOINT_RESTORES, c.namespace(), made);
        }
        if (now == null) {
          throw new PluginError(PluginExitCode.NOT_FOUND, "checkpointrestores.forensics.ckpt.io \"" + made
              + "\" was deleted in namespace " + c.namespace() + " while it was followed");
        }
        RestoreProgress.between(seen, now.getStatus()).forEach(out::println);
        out.flush();
        seen = now.getStatus();
        Optional<Outcome> outcome = RestoreProgress.outcome(now);
        if (outcome.isPresent()) {
          out.println(outcome.get().line());
          return outcome.get().exitCode();
        }
        if (System.nanoTime() - deadline >= 0) {
          out.println("still " + (seen == null || seen.getPhase() == null ? "not started" : seen.getPhase()) + " after "
              + HumanDuration.of(timeout) + "; the restore goes on: follow it with kubectl get fcr " + made + " -n "
              + c.namespace());
          return PluginExitCode.TIMED_OUT;
        }
        Thread.sleep(pollInterval.toMillis());
      }
    }
  }

  private CheckpointRestore request(ClusterOptions.Cluster c) {
    CheckpointRestore restore = new CheckpointRestore();
    restore.setMetadata(new ObjectMetaBuilder().withNamespace(c.namespace()).withName(name)
        .withGenerateName(name == null ? checkpoint + "-restore-" : null).build());
    CheckpointRestoreSpec request = new CheckpointRestoreSpec();
    request.setCheckpointName(checkpoint);
    request.setContainer(container);
    request.setNodeName(node);
    request.setRuntimeClassName(runtimeClass);
    request.setImage(image);
    restore.setSpec(request);
    return restore;
  }
}
