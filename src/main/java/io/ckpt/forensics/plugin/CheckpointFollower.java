package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;

/**
 * Follows one ForensicCheckpoint until its {@link Outcome}, printing {@link ProgressLines} as its
 * status changes. It reads the object again every poll interval rather than watching: a GET needs
 * only the get right (the responder role has it, a watch needs another), and a poll cannot miss the
 * end when a watch connection drops. A read that fails for a moment (API server restarting,
 * connection reset) is tried again until the timeout; a refusal is reported at once.
 */
final class CheckpointFollower {

  private final ClusterOptions.Cluster cluster;
  private final PrintWriter out;
  private final Duration pollInterval;

  CheckpointFollower(ClusterOptions.Cluster cluster, PrintWriter out, Duration pollInterval) {
    this.cluster = cluster;
    this.out = out;
    this.pollInterval = pollInterval;
  }

  /** Follows {@code name}; returns the exit code of its outcome, or {@link PluginExitCode#TIMED_OUT}. */
  int follow(String name, Duration timeout) throws PluginError, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ForensicCheckpointStatus seen = null;
    String lastPhase = "not started";
    String unreachable = null;
    while (true) {
      ForensicCheckpoint now = null;
      try {
        now = cluster.client().resources(ForensicCheckpoint.class).inNamespace(cluster.namespace()).withName(name)
            .get();
        unreachable = null;
      } catch (KubernetesClientException e) {
        if (e.getCode() > 0 && e.getCode() < 500) {
          throw ApiRefusal.of(e, "get", ApiRefusal.FORENSIC_CHECKPOINTS, cluster.namespace(), name);
        }
        if (unreachable == null) {
          unreachable = ApiRefusal.of(e, "get", ApiRefusal.FORENSIC_CHECKPOINTS, cluster.namespace(), name)
              .getMessage();
          out.println("  (" + unreachable + "; trying again)");
          out.flush();
        }
      }
      if (unreachable == null) {
        if (now == null) {
          throw new PluginError(PluginExitCode.NOT_FOUND, "forensiccheckpoints.forensics.ckpt.io \"" + name
              + "\" was deleted in namespace " + cluster.namespace() + " while it was followed");
        }
        for (String line : ProgressLines.between(seen, now.getStatus())) {
          out.println(line);
        }
        out.flush();
        seen = now.getStatus();
        if (seen != null && seen.getPhase() != null) {
          lastPhase = seen.getPhase().toString();
        }
        Optional<Outcome> outcome = Outcome.of(now);
        if (outcome.isPresent()) {
          out.println(outcome.get().line());
          return outcome.get().exitCode();
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        out.println("still " + lastPhase + " after " + HumanDuration.of(timeout) + "; the checkpoint goes on:"
            + " follow it with kubectl fcp describe " + name + " -n " + cluster.namespace());
        return PluginExitCode.TIMED_OUT;
      }
      Thread.sleep(pollInterval.toMillis());
    }
  }
}
