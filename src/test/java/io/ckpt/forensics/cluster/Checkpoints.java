package io.ckpt.forensics.cluster;

import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;

/** Creating ForensicCheckpoints as a responder would, and waiting for what the operator writes. */
public final class Checkpoints {

  private final KubernetesClient client;

  public Checkpoints(KubernetesClient client) {
    this.client = client;
  }

  public ForensicCheckpoint create(String namespace, String name, String pod, String... containers) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName(pod);
    spec.setContainers(containers.length == 0 ? null : List.of(containers));
    spec.setReason("cluster test");
    spec.setCaseId("INC-TEST-1");
    fcp.setSpec(spec);
    return client.resource(fcp).create();
  }

  /**
   * {@code count} objects for one pod created at once from 8 threads, named {@code <prefix>-001}, ...:
   * a burst, as when an alert fires many times.
   */
  public void createAtOnce(String namespace, String prefix, int count, String pod, String... containers)
      throws InterruptedException, ExecutionException {
    ExecutorService creators = Executors.newFixedThreadPool(8);
    try {
      List<Future<ForensicCheckpoint>> created = IntStream.rangeClosed(1, count)
          .mapToObj(i -> creators.submit(() -> create(namespace, String.format("%s-%03d", prefix, i), pod, containers)))
          .toList();
      for (Future<ForensicCheckpoint> f : created) {
        f.get();
      }
    } finally {
      creators.shutdownNow();
    }
  }

  public ForensicCheckpoint get(String namespace, String name) {
    return client.resources(ForensicCheckpoint.class).inNamespace(namespace).withName(name).get();
  }

  public ForensicCheckpoint awaitTerminal(String namespace, String name, Duration timeout) {
    return await(namespace, name, timeout, f -> f.getStatus() != null && f.getStatus().getPhase() != null
        && f.getStatus().getPhase().isTerminal());
  }

  public ForensicCheckpoint await(String namespace, String name, Duration timeout,
      Predicate<ForensicCheckpoint> condition) {
    return Awaitility.await(namespace + "/" + name).atMost(timeout).pollInterval(Duration.ofMillis(100))
        .until(() -> get(namespace, name), f -> f != null && condition.test(f));
  }

  public List<ForensicCheckpoint> list(String namespace) {
    return client.resources(ForensicCheckpoint.class).inNamespace(namespace).list().getItems();
  }

  /** Waits until {@code count} objects exist in {@code namespace} and every one is Succeeded or Failed. */
  public List<ForensicCheckpoint> awaitAllTerminal(String namespace, int count, Duration timeout) {
    return Awaitility.await(count + " objects in " + namespace + " terminal").atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> list(namespace), all -> all.size() == count && all.stream().allMatch(f -> f.getStatus() != null
            && f.getStatus().getPhase() != null && f.getStatus().getPhase().isTerminal()));
  }

  public static ContainerCheckpointStatus container(ForensicCheckpoint fcp, String name) {
    return fcp.getStatus().container(name).orElseThrow(() -> new AssertionError("no status for container " + name
        + " in " + fcp.getStatus().getContainers()));
  }
}
