package io.ckpt.forensics.lab;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * The pod lifecycle of one simulated node: watches the pods bound to it, "runs" them (containers get
 * IDs and states, no processes), reports their status, finishes deletions, and lets tests make
 * containers exit, restart or change phase. Pods of the operator image that the lab did not create
 * (the operator's collector pods) are handed to the {@link PodRunner}, which runs them as processes.
 * All changes happen on one worker thread, in order.
 */
final class SimulatedPods implements AutoCloseable {

  private final String nodeName;
  private final int nodeIndex;
  private final PodStatusWriter statusWriter;
  private final Consumer<String> log;
  private final ExecutorService worker;
  private final PodRunner runner;
  private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();
  private int podCounter;
  private volatile KubernetesClient client;
  private volatile SharedIndexInformer<Pod> informer;

  SimulatedPods(String nodeName, int nodeIndex, String hostIp, PodRunner runner, Consumer<String> log) {
    this.nodeName = nodeName;
    this.nodeIndex = nodeIndex;
    this.statusWriter = new PodStatusWriter(hostIp);
    this.log = log;
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, nodeName + "-kubelet");
      t.setDaemon(true);
      return t;
    });
    this.runner = runner;
    runner.attach(this::submit, (pod, rt) -> statusWriter.push(client, pod, rt));
  }

  /** Starts watching the pods bound to this node, as {@code nodeClient} (system:node:NAME). */
  void start(KubernetesClient nodeClient) {
    this.client = nodeClient;
    informer = nodeClient.pods().inAnyNamespace().withField("spec.nodeName", nodeName).inform(new PodHandler(), 0);
  }

  @Override
  public void close() {
    SharedIndexInformer<Pod> i = informer;
    if (i != null) {
      i.close();
    }
    worker.shutdownNow();
    runner.close();
  }

  /** The pod as last seen by this node's watch, or null. */
  Pod seen(String namespace, String pod) {
    SharedIndexInformer<Pod> i = informer;
    return i == null ? null : i.getStore().getByKey(namespace + "/" + pod);
  }

  /** The container's runtime ID if {@code pod} (this very pod, by uid) runs it now; else empty. */
  Optional<String> runningContainerId(Pod pod, String container) {
    PodRuntime rt = runtimes.get(key(pod));
    PodRuntime.Container c = rt == null || !rt.uid.equals(pod.getMetadata().getUid()) ? null : rt.containers.get(container);
    return c == null || c.phase != PodRuntime.Phase.RUNNING ? Optional.empty() : Optional.of(c.id);
  }

  // ---------------------------------------------------------------- test controls

  Optional<String> containerId(String namespace, String pod, String container) {
    return onWorker(() -> {
      PodRuntime rt = runtimes.get(namespace + "/" + pod);
      PodRuntime.Container c = rt == null ? null : rt.containers.get(container);
      return c == null || c.id == null ? Optional.<String>empty() : Optional.of("containerd://" + c.id);
    });
  }

  void terminateContainer(String namespace, String pod, String container, int exitCode) {
    mutate(namespace, pod, rt -> rt.require(container).terminate(exitCode));
  }

  void restartContainer(String namespace, String pod, String container) {
    mutate(namespace, pod, rt -> {
      rt.require(container).restart();
      rt.phaseOverride = null;
    });
  }

  void setPodPhase(String namespace, String pod, String phase) {
    mutate(namespace, pod, rt -> rt.forcePhase(phase));
  }

  private void mutate(String namespace, String pod, Consumer<PodRuntime> mutation) {
    onWorker(() -> {
      String key = namespace + "/" + pod;
      PodRuntime rt = runtimes.get(key);
      if (rt == null) {
        throw new IllegalArgumentException("pod " + key + " is not running on node " + nodeName);
      }
      Pod current = informer.getStore().getByKey(key);
      if (current != null && PodRunner.runsForReal(current)) {
        throw new IllegalArgumentException("pod " + key + " runs as processes on node " + nodeName
            + ": its processes decide its state (delete the pod to stop them)");
      }
      mutation.accept(rt);
      if (current != null) {
        statusWriter.push(client, current, rt);
      }
      return null;
    });
  }

  private <T> T onWorker(Callable<T> task) {
    Future<T> future = worker.submit(task);
    try {
      return future.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("node " + nodeName + ": worker timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- the kubelet's side

  private final class PodHandler implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      submit(() -> sync(pod));
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      submit(() -> sync(newPod));
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      submit(() -> {
        String key = key(pod);
        PodRuntime rt = runtimes.get(key);
        if (rt != null && rt.uid.equals(pod.getMetadata().getUid())) {
          runtimes.remove(key);
        }
        runner.forget(pod); // deleted without grace: stop its processes
      });
    }
  }

  private void submit(Runnable task) {
    try {
      worker.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.accept("node " + nodeName + ": " + e);
        }
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private void sync(Pod pod) {
    if (!nodeName.equals(pod.getSpec().getNodeName())) {
      return;
    }
    String key = key(pod);
    String uid = pod.getMetadata().getUid();
    PodRuntime rt = runtimes.get(key);
    if (rt == null || !rt.uid.equals(uid)) {
      if (PodRunner.runsForReal(pod)) {
        PodRuntime fresh = newRuntime(pod);
        runtimes.put(key, fresh);
        runner.admit(pod, fresh);
        return;
      }
      rt = admit(pod);
      runtimes.put(key, rt);
      statusWriter.push(client, pod, rt);
      return;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null && !rt.deleting) {
      finishDeletion(pod, rt);
    }
  }

  /** A new pod: init containers ran and exited 0, containers run; held pods wait for {@link SimulatedNode#startPod}. */
  private PodRuntime admit(Pod pod) {
    PodRuntime rt = newRuntime(pod);
    boolean hold = "true".equals(pod.getMetadata().getAnnotations() == null ? null
        : pod.getMetadata().getAnnotations().get(SimulatedNode.HOLD_ANNOTATION));
    if (pod.getSpec().getInitContainers() != null) {
      for (var c : pod.getSpec().getInitContainers()) {
        PodRuntime.Container init = new PodRuntime.Container(c.getName(), c.getImage(), true);
        if (!hold) {
          init.run();
          init.terminate(0);
        } else {
          init.phase = PodRuntime.Phase.WAITING;
        }
        rt.containers.put(c.getName(), init);
      }
    }
    for (var c : pod.getSpec().getContainers()) {
      PodRuntime.Container container = new PodRuntime.Container(c.getName(), c.getImage(), false);
      if (hold) {
        container.phase = PodRuntime.Phase.WAITING;
      } else {
        container.run();
      }
      rt.containers.put(c.getName(), container);
    }
    if (hold) {
      rt.phaseOverride = "Pending";
    }
    return rt;
  }

  private PodRuntime newRuntime(Pod pod) {
    return new PodRuntime(pod.getMetadata().getUid(), LabNetwork.podIp(nodeIndex, ++podCounter),
        Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  /** Graceful deletion: containers stop, the status says so, and the node removes the pod (grace 0). */
  private void finishDeletion(Pod pod, PodRuntime rt) {
    rt.deleting = true;
    if (PodRunner.runsForReal(pod)) {
      // the processes get their grace period; the pod object goes once they are gone and their
      // final status is written (a status write to a pod already gone would wait out 403 retries)
      runner.stop(pod).whenComplete((done, error) -> submit(() -> deleteNow(pod)));
      return;
    }
    for (PodRuntime.Container c : rt.containers.values()) {
      if (c.phase == PodRuntime.Phase.RUNNING) {
        c.terminate(0);
      }
    }
    statusWriter.push(client, pod, rt);
    deleteNow(pod);
  }

  private void deleteNow(Pod pod) {
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
