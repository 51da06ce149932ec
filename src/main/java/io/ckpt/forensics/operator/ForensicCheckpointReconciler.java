package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.kubelet.CheckpointTarget;
import io.ckpt.forensics.kubelet.CheckpointTransport;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the checkpoints a ForensicCheckpoint asks for: resolves the pod, waits for a permit per
 * container, marks the container Running in status, then calls the kubelet without blocking the
 * reconcile thread, and records each result in status as it arrives. Terminal objects are never
 * acted on again.
 */
@ControllerConfiguration(name = ForensicCheckpointReconciler.NAME,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ForensicCheckpointReconciler implements Reconciler<ForensicCheckpoint>, AutoCloseable {

  public static final String NAME = "forensiccheckpoint";
  /** A container is tried at most this often: the first call and one retry after an operator restart. */
  static final int MAX_ATTEMPTS = 2;

  private static final Logger LOG = LoggerFactory.getLogger(ForensicCheckpointReconciler.class);

  private final KubernetesClient client;
  private final CheckpointTransport transport;
  private final OperatorConfig config;
  private final Clock clock;
  private final StatusRecorder recorder;
  private final CheckpointEvents events;
  private final CheckpointScheduler scheduler;
  private final ScheduledExecutorService gapTimer;
  private final CheckpointMetrics metrics;
  private final Map<CheckpointKey, KubeletCall> calls = new ConcurrentHashMap<>();
  private final SimpleInboundEventSource<ForensicCheckpoint> wakeUps = new SimpleInboundEventSource<>("wake-ups");
  private volatile IndexerResourceCache<ForensicCheckpoint> primaryCache;

  /**
   * How long after a call to a container ends the next call to the same container may start. The
   * kubelet names archives with whole seconds, computed before it calls the runtime and so before
   * its answer: a call sent at least a second after the previous answer gets a later second. The
   * extra 100 ms absorbs the kubelet's clock being slewed by NTP.
   */
  static final Duration SAME_CONTAINER_GAP = Duration.ofMillis(1100);

  /** A kubelet call in flight or finished but not yet recorded in status. */
  private record KubeletCall(CompletableFuture<CheckpointOutcome> outcome, long startNanos) {
  }

  public ForensicCheckpointReconciler(KubernetesClient client, CheckpointTransport transport, OperatorConfig config,
      Clock clock, String instance) {
    this(client, transport, config, clock, instance, CheckpointMetrics.unscraped(), (key, task) -> task.run());
  }

  /**
   * @param eventWriter writes Events (the operator: an {@link EventWriter}; tests: the calling thread)
   */
  public ForensicCheckpointReconciler(KubernetesClient client, CheckpointTransport transport, OperatorConfig config,
      Clock clock, String instance, CheckpointMetrics metrics, CheckpointEvents.Writer eventWriter) {
    this.client = client;
    this.metrics = metrics;
    this.transport = transport;
    this.config = config;
    this.clock = clock;
    this.recorder = new StatusRecorder(client, clock);
    this.events = new CheckpointEvents(client, clock, instance, eventWriter);
    this.gapTimer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "same-container-gap");
      t.setDaemon(true);
      return t;
    });
    this.scheduler = new CheckpointScheduler(config.maxConcurrent(), config.maxConcurrentPerNode(),
        SAME_CONTAINER_GAP, System::nanoTime,
        (delay, task) -> gapTimer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS), key -> wake(key.resource()));
    metrics.watch(this::callsInFlight, scheduler::waitingCount, scheduler::waitingOn);
  }

  @Override
  public List<EventSource<?, ForensicCheckpoint>> prepareEventSources(EventSourceContext<ForensicCheckpoint> context) {
    this.primaryCache = context.getPrimaryCache();
    return List.of(wakeUps);
  }

  @Override
  public UpdateControl<ForensicCheckpoint> reconcile(ForensicCheckpoint resource, Context<ForensicCheckpoint> context) {
    ForensicCheckpoint fcp = client.getKubernetesSerialization().clone(resource);
    if (recorder.isBehind(fcp)) {
      // the informer has not yet delivered this process's own last write: read the object instead of
      // deciding on the older view (which would only end in a refused write, 409, and this same read)
      fcp = readFresh(fcp);
      if (fcp == null) {
        return UpdateControl.noUpdate();
      }
    }
    for (int pass = 1; ; pass++) {
      try {
        reconcile(fcp);
        return UpdateControl.noUpdate();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || pass >= 3) {
          throw e;
        }
        // The informer had not yet delivered our own last status write, so this view was stale and
        // the write was refused. Decide again from the API server's current object at once, rather
        // than through the framework's retry backoff (2 s): the same decision, only sooner.
        ForensicCheckpoint fresh = readFresh(fcp);
        if (fresh == null) {
          return UpdateControl.noUpdate();
        }
        LOG.debug("status conflict, deciding again fcp={} pass={}", ref(fcp), pass);
        fcp = fresh;
      }
    }
  }

  /** The object as the API server has it now, or null if it was deleted (or replaced by another UID). */
  private ForensicCheckpoint readFresh(ForensicCheckpoint fcp) {
    ForensicCheckpoint fresh = client.resources(ForensicCheckpoint.class).inNamespace(namespace(fcp))
        .withName(fcp.getMetadata().getName()).get();
    if (fresh == null || !fresh.getMetadata().getUid().equals(fcp.getMetadata().getUid())) {
      recorder.forget(fcp.getMetadata().getUid()::equals);
      return null;
    }
    recorder.seen(fresh);
    return fresh;
  }

  /** One pass over the object; a status write on a stale view throws 409 Conflict. */
  private void reconcile(ForensicCheckpoint fcp) {
    if (isTerminal(fcp)) {
      forget(fcp);
      return;
    }
    if (fcp.getStatus() == null || fcp.getStatus().getPhase() == null) {
      fcp = begin(fcp);
      if (isTerminal(fcp)) {
        finish(fcp);
        return;
      }
    }
    fcp = recordFinishedCalls(fcp);
    // permits first: one granted at once is started in this same pass
    fcp = requestPermits(fcp);
    fcp = startGrantedCalls(fcp);
    if (isTerminal(fcp)) {
      finish(fcp);
    }
  }

  /** First sight of the object: one GET of the pod decides what is to be checkpointed. */
  private ForensicCheckpoint begin(ForensicCheckpoint fcp) {
    var spec = fcp.getSpec();
    String podRef = namespace(fcp) + "/" + spec.getPodName();
    PodSnapshot pod;
    try {
      pod = getPod(fcp);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 401 && e.getCode() != 403) {
        throw e;
      }
      return failWhole(fcp, FailureReason.Forbidden, "the operator may not read pod " + podRef + " (HTTP "
          + e.getCode() + "); its ClusterRole needs get on pods (the Helm chart grants it)", e.getCode());
    }
    if (pod == null) {
      return failWhole(fcp, FailureReason.PodNotFound, "pod " + podRef + " does not exist; spec.podName must name"
          + " a pod in the ForensicCheckpoint's own namespace", null);
    }
    if (pod.nodeName() == null || pod.nodeName().isBlank()) {
      return failWhole(fcp, FailureReason.PodNotScheduled, "pod " + podRef + " is not scheduled to a node yet;"
          + " there is no running container to checkpoint", null);
    }
    if (!"Running".equals(pod.phase())) {
      return failWhole(fcp, FailureReason.PodNotRunning, "pod " + podRef + " is in phase " + pod.phase()
          + ", not Running; only running containers can be checkpointed", null);
    }
    List<String> selected = spec.getContainers() != null ? spec.getContainers() : pod.runningContainers();
    if (selected.isEmpty()) {
      return failWhole(fcp, FailureReason.ContainerNotRunning, "no container of pod " + podRef + " is running",
          null);
    }
    // Containers whose permit is free right now are marked Running in this same first write and
    // called at once: one status write and one pod read fewer than queueing them first. The write
    // still precedes the call and carries the resourceVersion, as every call's does.
    List<String> grantedNow = new ArrayList<>();
    for (String name : selected) {
      if (pod.declares(name) && pod.isRunning(name) && requestPermit(fcp, name, pod.nodeName())) {
        grantedNow.add(name);
      }
    }
    ForensicCheckpoint started;
    try {
      started = recorder.update(fcp, status -> {
        status.setStartTime(Conditions.rfc3339(clock));
        status.setNodeName(pod.nodeName());
        status.setPodUID(pod.uid());
        status.getContainers().clear();
        for (String name : selected) {
          ContainerCheckpointStatus entry = new ContainerCheckpointStatus(name);
          entry.setAttempts(0);
          entry.setPhase(ContainerPhase.Pending);
          describe(entry, pod);
          if (!pod.declares(name)) {
            fail(entry, FailureReason.ContainerNotFound, "pod " + podRef + " has no container named " + name
                + "; its containers are " + pod.declaredContainers(), null);
          } else if (!pod.isRunning(name)) {
            fail(entry, FailureReason.ContainerNotRunning, "container " + name + " of pod " + podRef
                + " is not running", null);
          } else if (grantedNow.contains(name)) {
            markRunning(entry, pod, null);
          }
          status.getContainers().add(entry);
        }
      });
    } catch (RuntimeException e) {
      // not written: nothing may start, and the next pass asks for permits again
      selected.forEach(name -> scheduler.release(key(fcp, name)));
      throw e;
    }
    String why = spec.getReason() == null ? "" : "; reason: " + spec.getReason();
    String caseId = spec.getCaseId() == null ? "" : "; case " + spec.getCaseId();
    events.normal(started, "CheckpointRequested", "checkpoint of pod " + spec.getPodName() + " containers "
        + selected + " on node " + pod.nodeName() + caseId + why);
    LOG.info("checkpoint requested fcp={} pod={} node={} containers={}", ref(fcp), podRef, pod.nodeName(), selected);
    transport.warning().ifPresent(warning -> events.warning(started, "KubeletNotVerified", warning));
    started.getStatus().getContainers().stream().filter(c -> c.getPhase() == ContainerPhase.Failed)
        .forEach(c -> announceFailure(started, c));
    for (String name : grantedNow) {
      launch(started, name, key(started, name));
    }
    return started;
  }

  /** Writes each finished call's result, one status update per container. */
  private ForensicCheckpoint recordFinishedCalls(ForensicCheckpoint fcp) {
    for (ContainerCheckpointStatus entry : List.copyOf(fcp.getStatus().getContainers())) {
      CheckpointKey key = key(fcp, entry.getName());
      KubeletCall call = calls.get(key);
      if (call == null || !call.outcome().isDone()) {
        continue;
      }
      CheckpointOutcome outcome = call.outcome().join();
      long nanos = System.nanoTime() - call.startNanos();
      long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
      metrics.kubeletCall(outcome instanceof CheckpointOutcome.Success, Duration.ofNanos(nanos));
      fcp = recorder.update(fcp, status -> status.container(entry.getName()).ifPresent(c -> {
        if (outcome.retries() > 0) {
          c.setRetries(outcome.retries());
          String retried = "sent " + (outcome.retries() + 1) + " times: " + outcome.retries() + " automatic"
              + " retr" + (outcome.retries() == 1 ? "y" : "ies") + " after transient failures that never reached the"
              + " kubelet (connection refused, or the API server could not dial it)";
          c.setNote(c.getNote() == null ? retried : c.getNote() + "; " + retried);
        }
        if (outcome instanceof CheckpointOutcome.Success success) {
          c.setPhase(ContainerPhase.Succeeded);
          c.setArchivePath(success.archivePath());
          c.setCheckpointedAt(Conditions.rfc3339(clock));
          c.setDurationMillis(millis);
          c.setFailure(null);
        } else if (outcome instanceof CheckpointOutcome.Failure failure) {
          c.setPhase(ContainerPhase.Failed);
          c.setFailure(failure.failure());
        }
      }));
      calls.remove(key);
      ContainerCheckpointStatus recorded = fcp.getStatus().container(entry.getName()).orElseThrow();
      if (recorded.getPhase() == ContainerPhase.Succeeded) {
        metrics.containerFinished(null);
        events.normal(fcp, "ContainerCheckpointed", "container " + recorded.getName() + " checkpointed in "
            + millis + " ms; the archive path is in status.containers");
        LOG.info("container checkpointed fcp={} container={} durationMillis={}", ref(fcp), recorded.getName(), millis);
      } else {
        announceFailure(fcp, recorded);
      }
    }
    return fcp;
  }

  /** Starts the kubelet call of every container whose permit was granted, after marking it Running. */
  private ForensicCheckpoint startGrantedCalls(ForensicCheckpoint fcp) {
    for (ContainerCheckpointStatus entry : List.copyOf(fcp.getStatus().getContainers())) {
      CheckpointKey key = key(fcp, entry.getName());
      if (entry.getPhase().isTerminal() || calls.containsKey(key) || !scheduler.isGranted(key)) {
        continue;
      }
      try {
        fcp = startCall(fcp, entry, key);
      } finally {
        if (!calls.containsKey(key)) {
          scheduler.release(key);
        }
      }
    }
    return fcp;
  }

  private ForensicCheckpoint startCall(ForensicCheckpoint fcp, ContainerCheckpointStatus entry, CheckpointKey key) {
    String name = entry.getName();
    ForensicCheckpointStatus current = fcp.getStatus();
    // The pod is read again right before the call: it may have been replaced or the container may
    // have stopped while this container waited for its permit.
    PodSnapshot pod = getPod(fcp);
    CheckpointFailure problem = preflight(fcp, pod, name);
    if (problem != null) {
      fcp = recorder.update(fcp, status -> status.container(name)
          .ifPresent(c -> fail(c, problem.getReason(), problem.getMessage(), null)));
      announceFailure(fcp, fcp.getStatus().container(name).orElseThrow());
      return fcp;
    }
    String interruptedNote = entry.getPhase() != ContainerPhase.Running ? null : "attempt " + entry.getAttempts()
        + " (started " + entry.getStartedAt() + ") was interrupted by an operator restart before its result was"
        + " recorded; it may have left an archive on node " + current.getNodeName()
        + " in the kubelet's checkpoint directory";
    ForensicCheckpoint marked = recorder.update(fcp, status -> status.container(name)
        .ifPresent(c -> markRunning(c, pod, interruptedNote)));
    launch(marked, name, key);
    return marked;
  }

  /** The status change written before every kubelet call: one more attempt, now Running. */
  private void markRunning(ContainerCheckpointStatus c, PodSnapshot pod, String note) {
    if (note != null) {
      c.setNote(note);
    }
    c.setPhase(ContainerPhase.Running);
    c.setRetries(null);
    c.setAttempts(Objects.requireNonNullElse(c.getAttempts(), 0) + 1);
    c.setStartedAt(Conditions.rfc3339(clock));
    describe(c, pod);
  }

  /** Sends the kubelet call of a container whose Running mark was just written; holds its permit. */
  private void launch(ForensicCheckpoint marked, String name, CheckpointKey key) {
    var spec = marked.getSpec();
    int timeout = spec.getTimeoutSeconds() != null ? spec.getTimeoutSeconds() : config.defaultTimeoutSeconds();
    CheckpointTarget target = new CheckpointTarget(marked.getStatus().getNodeName(), namespace(marked),
        spec.getPodName(), name, timeout);
    LOG.info("kubelet call started fcp={} target={} attempt={}", ref(marked), target,
        marked.getStatus().container(name).map(ContainerCheckpointStatus::getAttempts).orElse(0));
    CompletableFuture<CheckpointOutcome> outcome;
    try {
      outcome = transport.checkpoint(target);
    } catch (RuntimeException e) {
      scheduler.release(key);
      throw e;
    }
    calls.put(key, new KubeletCall(outcome, System.nanoTime()));
    outcome.whenComplete((result, error) -> {
      scheduler.release(key);
      if (stillWanted(key)) {
        wake(key.resource());
      } else {
        calls.remove(key);
      }
    });
  }

  private CheckpointFailure preflight(ForensicCheckpoint fcp, PodSnapshot pod, String container) {
    String podRef = namespace(fcp) + "/" + fcp.getSpec().getPodName();
    ForensicCheckpointStatus status = fcp.getStatus();
    if (pod == null) {
      return new CheckpointFailure(FailureReason.PodNotFound, "pod " + podRef + " was deleted before container "
          + container + " could be checkpointed", null);
    }
    if (!Objects.equals(pod.uid(), status.getPodUID()) || !Objects.equals(pod.nodeName(), status.getNodeName())) {
      return new CheckpointFailure(FailureReason.PodReplaced, "pod " + podRef + " was replaced (UID "
          + status.getPodUID() + " -> " + pod.uid() + ", node " + status.getNodeName() + " -> " + pod.nodeName()
          + "); the container that was asked for is gone", null);
    }
    if (!pod.isRunning(container)) {
      return new CheckpointFailure(FailureReason.ContainerNotRunning, "container " + container + " of pod "
          + podRef + " stopped before it could be checkpointed", null);
    }
    return null;
  }

  /**
   * Asks for a permit for every container still to be done. A container that status shows Running
   * but that has no call in this process was cut off by an operator restart: it is tried once more,
   * and failed as Interrupted if that was already its second attempt.
   */
  private ForensicCheckpoint requestPermits(ForensicCheckpoint fcp) {
    for (ContainerCheckpointStatus entry : List.copyOf(fcp.getStatus().getContainers())) {
      CheckpointKey key = key(fcp, entry.getName());
      if (entry.getPhase().isTerminal()) {
        scheduler.release(key);
        continue;
      }
      if (calls.containsKey(key)) {
        continue;
      }
      int attempts = Objects.requireNonNullElse(entry.getAttempts(), 0);
      if (entry.getPhase() == ContainerPhase.Running && attempts >= MAX_ATTEMPTS) {
        String node = fcp.getStatus().getNodeName();
        fcp = recorder.update(fcp, status -> status.container(entry.getName()).ifPresent(c -> fail(c,
            FailureReason.Interrupted, "the operator restarted during each of " + attempts + " attempts; not"
                + " tried again. Earlier attempts may have left archives on node " + node
                + " in the kubelet's checkpoint directory", null)));
        announceFailure(fcp, fcp.getStatus().container(entry.getName()).orElseThrow());
        continue;
      }
      requestPermit(fcp, entry.getName(), fcp.getStatus().getNodeName());
    }
    return fcp;
  }

  /** Asks for the container's permit; true if it was granted at once (then not announced by a wake-up). */
  private boolean requestPermit(ForensicCheckpoint fcp, String container, String node) {
    metrics.nodeSeen(node);
    return scheduler.request(new CheckpointScheduler.Request(key(fcp, container), node, target(fcp, container)));
  }

  private ForensicCheckpoint failWhole(ForensicCheckpoint fcp, FailureReason reason, String message,
      Integer httpStatus) {
    ForensicCheckpoint failed = recorder.update(fcp, status -> {
      status.setStartTime(Conditions.rfc3339(clock));
      status.setFailure(new CheckpointFailure(reason, message, httpStatus));
      List<String> asked = fcp.getSpec().getContainers() == null ? List.of() : fcp.getSpec().getContainers();
      status.getContainers().clear();
      for (String name : asked) {
        ContainerCheckpointStatus entry = new ContainerCheckpointStatus(name);
        entry.setAttempts(0);
        fail(entry, reason, message, httpStatus);
        status.getContainers().add(entry);
      }
    });
    events.warning(failed, reason.name(), message);
    LOG.warn("checkpoint failed fcp={} reason={} message=\"{}\"", ref(fcp), reason, message);
    return failed;
  }

  private void finish(ForensicCheckpoint fcp) {
    ForensicCheckpointStatus status = fcp.getStatus();
    String reason = "Checkpoint" + status.getPhase();
    if (status.getPhase() == CheckpointPhase.Succeeded) {
      events.normal(fcp, reason, status.getMessage());
    } else if (status.getFailure() == null) {
      events.warning(fcp, reason, status.getMessage());
    }
    LOG.info("checkpoint finished fcp={} phase={} message=\"{}\"", ref(fcp), status.getPhase(), status.getMessage());
    FailureReason firstReason = status.getFailure() != null ? status.getFailure().getReason()
        : status.getContainers().stream().filter(c -> c.getFailure() != null).map(c -> c.getFailure().getReason())
            .findFirst().orElse(null);
    Duration sinceCreation = null;
    try {
      sinceCreation = Duration.between(java.time.Instant.parse(fcp.getMetadata().getCreationTimestamp()),
          clock.instant());
    } catch (RuntimeException noTimestamp) {
      // objects in unit tests may lack it
    }
    metrics.checkpointFinished(status.getPhase(), firstReason, sinceCreation);
    forget(fcp);
  }

  private void announceFailure(ForensicCheckpoint fcp, ContainerCheckpointStatus c) {
    CheckpointFailure failure = c.getFailure();
    metrics.containerFinished(failure.getReason());
    events.warning(fcp, failure.getReason().name(), "container " + c.getName() + ": " + failure.getMessage());
    LOG.warn("container checkpoint failed fcp={} container={} reason={} httpStatus={} message=\"{}\"", ref(fcp),
        c.getName(), failure.getReason(), failure.getHttpStatus(), failure.getMessage());
  }

  /** Drops what this process remembers of an object that needs nothing more. */
  private void forget(ForensicCheckpoint fcp) {
    String uid = fcp.getMetadata().getUid();
    recorder.forget(uid::equals);
    scheduler.releaseAll(key -> key.uid().equals(uid));
    calls.keySet().removeIf(key -> key.uid().equals(uid));
  }

  /**
   * Releases permits and results held for objects that were deleted (deletions reach no reconcile:
   * the operator puts no finalizer on evidence records) and wakes objects whose finished call is
   * not recorded yet; called periodically.
   */
  void sweep() {
    var cache = primaryCache;
    if (cache != null) {
      Set<String> present = cache.list().map(r -> r.getMetadata().getUid()).collect(Collectors.toSet());
      recorder.forget(uid -> !present.contains(uid));
    }
    scheduler.releaseAll(key -> !stillWanted(key));
    calls.entrySet().removeIf(e -> e.getValue().outcome().isDone() && !stillWanted(e.getKey()));
    // A result whose status write failed (API server unavailable longer than the framework retried)
    // must not wait in memory for an event that may never come: offer it again.
    calls.entrySet().stream().filter(e -> e.getValue().outcome().isDone())
        .map(e -> e.getKey().resource()).distinct().forEach(this::wake);
  }

  private boolean stillWanted(CheckpointKey key) {
    var cache = primaryCache;
    return cache == null || cache.get(key.resource())
        .filter(r -> key.uid().equals(r.getMetadata().getUid()))
        .isPresent();
  }

  private PodSnapshot getPod(ForensicCheckpoint fcp) {
    Pod pod = client.pods().inNamespace(namespace(fcp)).withName(fcp.getSpec().getPodName()).get();
    return pod == null ? null : PodSnapshot.of(pod);
  }

  private static void describe(ContainerCheckpointStatus entry, PodSnapshot pod) {
    PodSnapshot.ContainerState state = pod.statuses().get(entry.getName());
    if (state != null) {
      entry.setContainerID(state.containerID());
      entry.setImage(state.image());
      entry.setImageID(state.imageID());
    }
  }

  private static void fail(ContainerCheckpointStatus entry, FailureReason reason, String message, Integer status) {
    entry.setPhase(ContainerPhase.Failed);
    entry.setFailure(new CheckpointFailure(reason, message, status));
  }

  private void wake(ResourceID id) {
    wakeUps.propagateEvent(id);
  }

  private static boolean isTerminal(ForensicCheckpoint fcp) {
    return fcp.getStatus() != null && fcp.getStatus().getPhase() != null && fcp.getStatus().getPhase().isTerminal();
  }

  private static CheckpointKey key(ForensicCheckpoint fcp, String container) {
    return new CheckpointKey(ResourceID.fromResource(fcp), fcp.getMetadata().getUid(), container);
  }

  /** namespace/pod/container: what the scheduler lets only one call at a time reach. */
  private static String target(ForensicCheckpoint fcp, String container) {
    return namespace(fcp) + "/" + fcp.getSpec().getPodName() + "/" + container;
  }

  private static String namespace(ForensicCheckpoint fcp) {
    return fcp.getMetadata().getNamespace();
  }

  private static String ref(ForensicCheckpoint fcp) {
    return namespace(fcp) + "/" + fcp.getMetadata().getName();
  }

  int waitingPermits() {
    return scheduler.waitingCount();
  }

  int callsInFlight() {
    return (int) calls.values().stream().filter(c -> !c.outcome().isDone()).count();
  }

  @Override
  public void close() {
    gapTimer.shutdownNow();
    calls.values().forEach(c -> c.outcome().cancel(false));
  }

  /** How often {@link #sweep()} should run. */
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(30);
}
