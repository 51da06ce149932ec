package io.ckpt.forensics.lab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Runs for real the pods that someone other than the lab (the operator: its evidence collector
 * pods) binds to a simulated node: each container of the operator image becomes a local JVM
 * ({@link LocalContainerProcess}) with its volumes on this machine ({@link VolumeMapping}), and the
 * pod's status follows it as a kubelet reports it: Pending, Running, then terminated with exit code,
 * reason and termination message, phase Succeeded or Failed.
 *
 * <p>Which pods: those without the {@link #LAB_POD_LABEL} label (the lab marks the pods it creates)
 * with at least one container of the operator image ({@link #isOperatorImage}). Every other pod stays
 * simulated (states only), so tests that create workload pods themselves keep working.
 * The lab refuses (phase Failed, status.reason saying why, see {@link PodRefusal}) pods it cannot
 * run faithfully: restartPolicy other than Never, init containers, other images or commands beside
 * the operator's, env valueFrom, volume types other than hostPath/secret/PVC/emptyDir, hostPaths
 * outside the node's directory, missing Secrets, more containers than the node may run at once.
 *
 * <p>Bounds: at most {@code maxProcesses} container processes per node at a time (later pods wait
 * Pending, in order); activeDeadlineSeconds (counted from admission, as the kubelet does) stops the
 * pod with reason DeadlineExceeded; deletion stops it (SIGTERM, SIGKILL after the grace period, at
 * most {@link #MAX_GRACE}); {@link #close()} stops every process with a bounded wait.
 *
 * <p>Every state change runs on the node's kubelet thread ({@link #attach}), as the lab's other pod changes do.
 */
final class PodRunner implements AutoCloseable {

  /** The lab puts this label ("true") on the pods it creates itself: they are only simulated. */
  static final String LAB_POD_LABEL = "lab.forensics.ckpt.io/simulated";
  /** The repository name (last path segment, any registry, tag or digest) of the image the lab runs. */
  static final String OPERATOR_IMAGE = "forensic-checkpoint-operator";
  /** A pod's grace period is cut to this: a lab test must not wait 30 s for a stuck JVM. */
  static final Duration MAX_GRACE = Duration.ofSeconds(10);
  static final String DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline";

  /** Writes a pod's status from its runtime (the node's PodStatusWriter as the node). */
  @FunctionalInterface
  interface StatusSink {
    void push(Pod pod, PodRuntime rt);
  }

  /** One admitted pod: what to run and, once started, its processes. */
  private static final class Run {
    final Pod pod;
    final PodRuntime rt;
    final Map<String, LocalContainerProcess.Plan> plans = new LinkedHashMap<>();
    final Map<String, MountedPaths> paths = new LinkedHashMap<>();
    final Map<String, LocalContainerProcess> processes = new ConcurrentHashMap<>(); // also read by close() and tests
    /** Completes on the kubelet thread once every container has terminated and its status was written. */
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    ScheduledFuture<?> deadline;
    boolean deadlineExceeded;
    /** The pod object is gone (removed without grace): no more status writes. */
    volatile boolean gone;

    Run(Pod pod, PodRuntime rt) {
      this.pod = pod;
      this.rt = rt;
    }

    String key() {
      return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
  }

  private final String nodeName;
  private final Path podsDir;
  private final VolumeMapping volumes;
  private final int maxProcesses;
  private final Consumer<String> log;
  private final ScheduledExecutorService timer;
  private final Map<String, Run> runs = new ConcurrentHashMap<>(); // by pod UID
  private final Deque<Run> waiting = new ArrayDeque<>();
  private int usedSlots; // processes started and not yet seen to exit, on the kubelet thread
  private volatile Executor kubelet;
  private volatile StatusSink sink;
  private volatile boolean closed;

  PodRunner(String nodeName, Path podsDir, VolumeMapping volumes, int maxProcesses, Consumer<String> log) {
    if (maxProcesses < 1) {
      throw new IllegalArgumentException("maxProcesses must be at least 1, got " + maxProcesses);
    }
    this.nodeName = nodeName;
    this.podsDir = podsDir;
    this.volumes = volumes;
    this.maxProcesses = maxProcesses;
    this.log = log;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, nodeName + "-pod-timer");
      t.setDaemon(true);
      return t;
    });
  }

  /** Where state changes run (the node's kubelet thread) and where status goes. */
  void attach(Executor kubeletThread, StatusSink statusSink) {
    this.kubelet = kubeletThread;
    this.sink = statusSink;
  }

  /** Whether this node runs {@code pod} as processes (else it is only simulated). */
  static boolean runsForReal(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    if (labels != null && "true".equals(labels.get(LAB_POD_LABEL))) {
      return false;
    }
    return pod.getSpec().getContainers().stream().anyMatch(c -> isOperatorImage(c.getImage()));
  }

  /** {@code forensic-checkpoint-operator}, with any registry/path, tag or digest. */
  static boolean isOperatorImage(String image) {
    if (image == null) {
      return false;
    }
    String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    String last = name.substring(name.lastIndexOf('/') + 1);
    if (last.contains(":")) {
      last = last.substring(0, last.indexOf(':'));
    }
    return OPERATOR_IMAGE.equals(last);
  }

  /** The pod's own directory: volumes/ (emptyDir, secret) and one directory per container (log, termination-log). */
  Path podDir(String uid) {
    return podsDir.resolve(uid);
  }

  // ---------------------------------------------------------------- on the kubelet thread

  /** Admits a new pod (Pending), refuses it (Failed) or starts it when a slot is free. */
  PodRuntime admit(Pod pod, PodRuntime rt) {
    for (Container c : pod.getSpec().getContainers()) {
      PodRuntime.Container state = new PodRuntime.Container(c.getName(), c.getImage(), false);
      state.phase = PodRuntime.Phase.WAITING;
      rt.containers.put(c.getName(), state);
    }
    Run run = new Run(pod, rt);
    try {
      prepare(run);
    } catch (PodRefusal refusal) {
      log.accept("node " + nodeName + ": refusing pod " + run.key() + ": " + refusal.reason() + ": " + refusal.getMessage());
      rt.phaseOverride = "Failed";
      rt.reason = refusal.reason();
      rt.message = refusal.getMessage();
      rt.containers.values().forEach(c -> {
        c.waitingReason = refusal.reason();
        c.waitingMessage = refusal.getMessage();
      });
      push(run);
      return rt;
    }
    runs.put(rt.uid, run);
    Long seconds = pod.getSpec().getActiveDeadlineSeconds();
    if (seconds != null) {
      run.deadline = timer.schedule(() -> onKubelet(() -> deadlineExceeded(run)), seconds, TimeUnit.SECONDS);
    }
    rt.phaseOverride = "Pending";
    push(run);
    waiting.add(run);
    startWaiting();
    return rt;
  }

  private void prepare(Run run) throws PodRefusal {
    Pod pod = run.pod;
    String restartPolicy = pod.getSpec().getRestartPolicy();
    if (!"Never".equals(restartPolicy)) {
      throw new PodRefusal("UnsupportedRestartPolicy", "restartPolicy " + restartPolicy + ": the lab runs pods"
          + " with restartPolicy Never only (set it, as the operator's collector pods do)");
    }
    if (pod.getSpec().getInitContainers() != null && !pod.getSpec().getInitContainers().isEmpty()) {
      throw new PodRefusal("UnsupportedInitContainers", "the lab runs pods without init containers only");
    }
    List<Container> containers = pod.getSpec().getContainers();
    if (containers.size() > maxProcesses) {
      throw new PodRefusal("TooManyContainers", containers.size() + " containers, but node " + nodeName
          + " runs at most " + maxProcesses + " processes at once (LabOptions.podProcessesPerNode)");
    }
    for (Container c : containers) {
      if (!isOperatorImage(c.getImage())) {
        throw new PodRefusal("UnsupportedImage", "container '" + c.getName() + "': image " + c.getImage()
            + "; the lab runs containers of the " + OPERATOR_IMAGE + " image only");
      }
      run.plans.put(c.getName(), LocalContainerProcess.plan(c));
    }
    Path dir = podDir(run.rt.uid);
    Map<String, Path> local = volumes.prepare(pod, dir);
    for (Container c : containers) {
      run.paths.put(c.getName(), MountedPaths.of(c, local, dir.resolve(c.getName()).resolve("termination-log")));
    }
  }

  /** Starts waiting pods, oldest first, while their containers fit in the node's process limit. */
  private void startWaiting() {
    while (!closed && !waiting.isEmpty()
        && usedSlots + waiting.peek().pod.getSpec().getContainers().size() <= maxProcesses) {
      start(waiting.poll());
    }
  }

  private void start(Run run) {
    Path dir = podDir(run.rt.uid);
    for (Container c : run.pod.getSpec().getContainers()) {
      PodRuntime.Container state = run.rt.containers.get(c.getName());
      Path containerDir = dir.resolve(c.getName());
      LocalContainerProcess process;
      try {
        process = LocalContainerProcess.start(run.pod.getMetadata().getName(), c, run.plans.get(c.getName()),
            run.paths.get(c.getName()), containerDir, containerDir.resolve("termination-log"));
      } catch (RuntimeException e) {
        state.terminate(128);
        state.terminationMessage = "the lab could not start the process: " + e.getMessage();
        continue;
      }
      state.run();
      run.processes.put(c.getName(), process);
      usedSlots++;
      log.accept("node " + nodeName + ": pod " + run.key() + " container " + c.getName() + " started as pid "
          + process.pid() + " (log " + process.log() + ")");
      process.onExit().thenRun(() -> onKubelet(() -> exited(run, c.getName(), process)));
    }
    run.rt.phaseOverride = null;
    boolean done = allTerminated(run);
    if (done) {
      finish(run);
    }
    push(run);
    if (done) {
      run.finished.complete(null);
    }
  }

  private void exited(Run run, String container, LocalContainerProcess process) {
    int code = process.exitCode();
    PodRuntime.Container state = run.rt.containers.get(container);
    state.terminate(code);
    state.terminationMessage = process.terminationMessage(code);
    usedSlots--;
    log.accept("node " + nodeName + ": pod " + run.key() + " container " + container + " exited with " + code);
    boolean done = allTerminated(run);
    if (done) {
      if (run.deadlineExceeded) {
        markDeadlineExceeded(run);
      }
      finish(run);
    }
    push(run);
    if (done) {
      // after the last status write: a deletion waiting for this may now remove the pod
      run.finished.complete(null);
    }
    startWaiting();
  }

  private void deadlineExceeded(Run run) {
    if (run.finished.isDone()) {
      return;
    }
    log.accept("node " + nodeName + ": pod " + run.key() + " exceeded activeDeadlineSeconds");
    run.deadlineExceeded = true;
    if (waiting.remove(run)) {
      markDeadlineExceeded(run);
      finish(run);
      push(run);
      run.finished.complete(null);
      return;
    }
    // the phase turns Failed once the processes are gone (exited), never beside a running container
    Duration grace = grace(run.pod);
    run.processes.values().stream().filter(LocalContainerProcess::isAlive).forEach(p -> p.stop(grace, timer));
  }

  private static void markDeadlineExceeded(Run run) {
    run.rt.phaseOverride = "Failed";
    run.rt.reason = "DeadlineExceeded";
    run.rt.message = DEADLINE_MESSAGE;
  }

  private static boolean allTerminated(Run run) {
    return run.rt.containers.values().stream().allMatch(c -> c.phase == PodRuntime.Phase.TERMINATED);
  }

  private void finish(Run run) {
    if (run.deadline != null) {
      run.deadline.cancel(false);
    }
    runs.remove(run.rt.uid);
  }

  /**
   * Stops the pod's processes (deletion): SIGTERM, SIGKILL after the grace period. Completes on the
   * kubelet thread once they have exited and their status was written (at once when none runs).
   */
  CompletableFuture<Void> stop(Pod pod) {
    Run run = runs.get(pod.getMetadata().getUid());
    if (run == null) {
      return CompletableFuture.completedFuture(null);
    }
    if (waiting.remove(run)) {
      finish(run);
      run.finished.complete(null);
      return run.finished;
    }
    Duration grace = grace(pod);
    run.processes.values().stream().filter(LocalContainerProcess::isAlive).forEach(p -> p.stop(grace, timer));
    return run.finished;
  }

  /** The pod object is gone (deleted without grace, or by someone else): stop it without writing its status. */
  void forget(Pod pod) {
    Run run = runs.get(pod.getMetadata().getUid());
    if (run != null) {
      run.gone = true;
      stop(pod);
    }
  }

  private static Duration grace(Pod pod) {
    Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds() != null
        ? pod.getMetadata().getDeletionGracePeriodSeconds() : pod.getSpec().getTerminationGracePeriodSeconds();
    Duration grace = Duration.ofSeconds(seconds == null ? 30 : seconds);
    return grace.compareTo(MAX_GRACE) > 0 ? MAX_GRACE : grace;
  }

  private void push(Run run) {
    StatusSink s = sink;
    if (s != null && !run.gone) {
      s.push(run.pod, run.rt);
    }
  }

  private void onKubelet(Runnable task) {
    Executor k = kubelet;
    if (k == null || closed) {
      return;
    }
    try {
      k.execute(task);
    } catch (RejectedExecutionException e) {
      // the node is closing
    }
  }

  // ---------------------------------------------------------------- any thread

  /** How many container processes run now. */
  int runningProcesses() {
    return (int) runs.values().stream().flatMap(r -> r.processes.values().stream())
        .filter(LocalContainerProcess::isAlive).count();
  }

  /** Stops every process: SIGTERM to all, up to 5 s for them to exit, then SIGKILL and up to 5 s more. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    List<LocalContainerProcess> live = runs.values().stream().flatMap(r -> r.processes.values().stream())
        .filter(LocalContainerProcess::isAlive).toList();
    live.forEach(LocalContainerProcess::terminate);
    awaitAll(live, Duration.ofSeconds(5));
    live.forEach(LocalContainerProcess::kill);
    awaitAll(live, Duration.ofSeconds(5));
    live.stream().filter(LocalContainerProcess::isAlive)
        .forEach(p -> log.accept("node " + nodeName + ": process " + p.pid() + " did not exit after SIGKILL"));
  }

  private static void awaitAll(List<LocalContainerProcess> processes, Duration total) {
    long deadline = System.nanoTime() + total.toNanos();
    for (LocalContainerProcess p : processes) {
      p.awaitExit(Duration.ofNanos(deadline - System.nanoTime()));
    }
  }
}
