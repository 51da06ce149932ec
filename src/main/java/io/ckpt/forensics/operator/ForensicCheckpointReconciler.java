package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
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
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the checkpoints a ForensicCheckpoint asks for. Each pass gathers the facts (the object, the
 * pod when a decision needs it, the permits and calls the {@link CallTracker} holds), asks the
 * {@link CheckpointPlanner} what to do, and performs the plan: one status write, then the kubelet
 * calls it marked Running (sent without blocking the reconcile thread), then the
 * {@link CheckpointNotifier}'s Events, logs and metrics.
 */
@ControllerConfiguration(name = ForensicCheckpointReconciler.NAME,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ForensicCheckpointReconciler implements Reconciler<ForensicCheckpoint>, AutoCloseable {

  public static final String NAME = "forensiccheckpoint";

  /**
   * How long after a call to a container ends the next call to the same container may start. The
   * kubelet names archives with whole seconds, computed before it calls the runtime and so before
   * its answer: a call sent at least a second after the previous answer gets a later second. The
   * extra 100 ms absorbs the kubelet's clock being slewed by NTP.
   */
  static final Duration SAME_CONTAINER_GAP = Duration.ofMillis(1100);

  /** How often {@link #sweep()} runs. */
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(30);

  /**
   * Status writes one reconcile makes while each is refused with 409 Conflict (each refusal reads the
   * object again first). Past that, another writer keeps changing the object: the reconcile gives
   * back its unused permits and fails, and the framework's retry decides again after its backoff.
   */
  static final int MAX_CONFLICTING_WRITES = 3;

  private static final Logger LOG = LoggerFactory.getLogger(ForensicCheckpointReconciler.class);

  private final KubernetesClient client;
  private final CheckpointTransport transport;
  private final OperatorConfig config;
  private final Ticker ticker;
  private final StatusRecorder recorder;
  private final CheckpointPlanner planner;
  private final CheckpointNotifier notifier;
  private final CallTracker tracker;
  private final CollectionFinalizer finalizer;
  private final FallbackBundleCustody bundleCustody;
  private final PodContainment containment;
  private final Clock clock;
  /** Objects whose TTL was refused and said so: told once per process, not at every resync. */
  private final Set<String> ttlRefusalsTold = ConcurrentHashMap.newKeySet();
  private final SimpleInboundEventSource<ForensicCheckpoint> wakeUps = new SimpleInboundEventSource<>("wake-ups");
  private volatile IndexerResourceCache<ForensicCheckpoint> primaryCache;
  /** The collector pods, when archives are taken into custody: a finished one wakes its object. */
  private volatile InformerEventSource<Pod, ForensicCheckpoint> collectorPods;
  private volatile boolean closed;

  /**
   * @param clock the wall clock of status timestamps
   * @param ticker durations, the same-container gap and the periodic {@link #sweep()}
   * @param eventWriter writes Events (the operator: an {@link EventWriter}; tests: the calling thread)
   */
  public ForensicCheckpointReconciler(KubernetesClient client, CheckpointTransport transport, OperatorConfig config,
      Clock clock, Ticker ticker, String instance, CheckpointMetrics metrics, CheckpointEvents.Writer eventWriter) {
    this.client = client;
    this.transport = transport;
    this.config = config;
    this.ticker = ticker;
    this.clock = clock;
    this.recorder = new StatusRecorder(client, clock);
    this.finalizer = new CollectionFinalizer(client);
    this.planner = new CheckpointPlanner(clock, status -> client.getKubernetesSerialization().clone(status),
        () -> UUID.randomUUID().toString(), new CustodyPlanner(config.collection(), config.export()));
    CheckpointEvents events = new CheckpointEvents(client, clock, instance, eventWriter);
    this.notifier = new CheckpointNotifier(events, metrics, clock, transport.warning());
    this.containment = new PodContainment(client, config.alerts(), config.collection().enabled(), recorder, events,
        clock);
    this.bundleCustody = new FallbackBundleCustody(client, config.collection(), clock, recorder, notifier);
    this.tracker = new CallTracker(new CheckpointScheduler.Limits(config.maxConcurrent(),
        config.maxConcurrentPerNode(), config.maxConcurrentPerNamespace()), SAME_CONTAINER_GAP, ticker,
        this::isLive, wakeUps::propagateEvent, notifier);
    metrics.watch(tracker::callsInFlight, tracker::waitingCount, tracker::namespacesWaiting, tracker::waitingOn);
    ticker.schedule(SWEEP_INTERVAL, this::sweepAndRepeat);
  }

  @Override
  public List<EventSource<?, ForensicCheckpoint>> prepareEventSources(EventSourceContext<ForensicCheckpoint> context) {
    this.primaryCache = context.getPrimaryCache();
    CollectionConfig collection = config.collection();
    if (!collection.enabled()) {
      return List.of(wakeUps);
    }
    collectorPods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, ForensicCheckpoint.class)
        .withName("collector-pods").withNamespaces(Set.of(collection.namespace()))
        .withLabelSelector(CollectorPods.LABEL_COMPONENT + "=" + CollectorPods.COMPONENT)
        .withSecondaryToPrimaryMapper(CollectorPods::owner).build(), context) {
      @Override
      public void onAdd(Pod pod) {
        super.onAdd(pod); // at start, too: a collector that finished while no operator ran
        collectorChanged(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        super.onUpdate(old, pod);
        collectorChanged(pod);
      }
    };
    return List.of(wakeUps, collectorPods);
  }

  @Override
  public UpdateControl<ForensicCheckpoint> reconcile(ForensicCheckpoint resource, Context<ForensicCheckpoint> context) {
    ForensicCheckpoint fcp = resource;
    if (recorder.isBehind(fcp)) {
      // the informer has not yet delivered this process's own last write: read the object instead of
      // deciding on the older view (which would only end in a refused write, 409, and this same read)
      fcp = readFresh(fcp);
      if (fcp == null) {
        return UpdateControl.noUpdate();
      }
    }
    PodReads reads = new PodReads();
    for (int write = 1; ; write++) {
      try {
        Duration lookAgain = pass(fcp, reads);
        return lookAgain == null ? UpdateControl.noUpdate()
            : UpdateControl.<ForensicCheckpoint>noUpdate().rescheduleAfter(lookAgain);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || write >= MAX_CONFLICTING_WRITES) {
          if (e.getCode() == 409) {
            notifier.conflictsGaveUp(fcp, write);
          }
          // nothing was started: a permit held for this object would only block its node meanwhile
          tracker.releaseUnused(fcp.getMetadata().getUid());
          throw e;
        }
        // The informer had not yet delivered our own last status write, so this view was stale and
        // the write was refused. Decide again from the API server's current object at once, rather
        // than through the framework's retry backoff: the same decision, only sooner. The pod read
        // moments ago still serves.
        ForensicCheckpoint fresh = readFresh(fcp);
        if (fresh == null) {
          return UpdateControl.noUpdate();
        }
        LOG.debug("status conflict, deciding again fcp={} write={}", ref(fcp), write);
        fcp = fresh;
      }
    }
  }

  /** The pod as read in this reconcile: a pass after a refused write decides on the same read. */
  private static final class PodReads {
    CheckpointPlanner.PodRead last = CheckpointPlanner.PodRead.NOT_READ;
  }

  /** One pass: gather, plan, perform; returns when to look at the object again, or null. */
  private Duration pass(ForensicCheckpoint fcp, PodReads reads) {
    ResourceID id = ResourceID.fromResource(fcp);
    String uid = fcp.getMetadata().getUid();
    Map<String, CustodyPlanner.Collector> collectors = collectors(fcp);
    if (planner.isDone(fcp, collectors)) {
      forget(id, uid);
      // a finalizer left by an operator stopped between the last report and its removal
      ForensicCheckpoint released = finalizer.release(fcp);
      return released == null ? null : expire(containment.step(released));
    }
    Duration untilRound = SeriesRounds.untilDue(fcp.getStatus(), clock.instant());
    if (untilRound != null && !untilRound.isZero()) {
      return untilRound; // between two rounds of a series: nothing to do before the next is due
    }
    PodSnapshot firstSight = tracker.firstSight(id, uid);
    CheckpointPlanner.PodRead pod = reads.last;
    if (CheckpointPlanner.isFirstSight(fcp, firstSight) && !pod.read()) {
      pod = readPod(fcp);
      reads.last = pod;
    }
    CheckpointPlanner.Input in = gather(fcp, pod, firstSight, collectors);
    List<String> ask = planner.permitsToAsk(in);
    if (!ask.isEmpty()) {
      String node = CheckpointPlanner.node(fcp, pod, firstSight);
      ask.forEach(name -> tracker.requestPermit(key(fcp, name), node, target(fcp, name)));
      in = gather(fcp, pod, firstSight, collectors);
    }
    if (CheckpointPlanner.needsFreshPod(in)) {
      // a call is about to start: the pod may have been replaced, or the container stopped, while
      // it waited for its permit
      pod = readPod(fcp);
      reads.last = pod;
      in = new CheckpointPlanner.Input(fcp, pod, firstSight, in.calls(), collectors);
    }
    return perform(fcp, planner.plan(in));
  }

  /** The collector pods of the object's containers that exist, by container name, with their reports. */
  private Map<String, CustodyPlanner.Collector> collectors(ForensicCheckpoint fcp) {
    var informer = collectorPods;
    if (informer == null || !CheckpointPlanner.hasStatus(fcp)) {
      return Map.of();
    }
    Map<String, CustodyPlanner.Collector> found = new HashMap<>();
    for (ContainerCheckpointStatus c : fcp.getStatus().getContainers()) {
      if (c.getEvidence() == null || c.getEvidence().getCollectorPod() == null) {
        continue;
      }
      String[] ref = c.getEvidence().getCollectorPod().split("/", 2);
      informer.get(new ResourceID(ref[1], ref[0])).ifPresent(p -> found.put(c.getName(),
          new CustodyPlanner.Collector(ref[1], CollectorPods.report(p).orElse(null), ExportReports.read(p))));
    }
    return found;
  }

  private CheckpointPlanner.Input gather(ForensicCheckpoint fcp, CheckpointPlanner.PodRead pod,
      PodSnapshot firstSight, Map<String, CustodyPlanner.Collector> collectors) {
    Map<String, CheckpointPlanner.Call> calls = new HashMap<>();
    for (String name : CheckpointPlanner.containers(fcp, pod, firstSight)) {
      CheckpointPlanner.Call call = tracker.state(key(fcp, name));
      if (call.stage() != CheckpointPlanner.Stage.NONE) {
        calls.put(name, call);
      }
    }
    return new CheckpointPlanner.Input(fcp, pod, firstSight, calls, collectors);
  }

  private Duration perform(ForensicCheckpoint fcp, CheckpointPlanner.Plan plan) {
    ResourceID id = ResourceID.fromResource(fcp);
    String uid = fcp.getMetadata().getUid();
    ForensicCheckpoint written = fcp;
    if (plan.status() != null) {
      try {
        written = recorder.write(fcp, plan.status());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
        // deleted: nothing is left to write to, and retrying would fail the same way for ever
        notifier.deletedBeforeWrite(fcp);
        recorder.forget(uid::equals);
        tracker.forgetDeleted(id, uid);
        return null;
      }
      tracker.forgetFirstSight(id, uid);
    }
    if (plan.remember() != null) {
      tracker.rememberFirstSight(id, uid, plan.remember());
    }
    plan.recorded().forEach(name -> tracker.recorded(key(fcp, name)));
    plan.unusedPermits().forEach(name -> tracker.releaseUnused(key(fcp, name)));
    notifier.announce(written, plan.notices());
    for (String name : plan.calls()) {
      launch(written, name);
    }
    if (!plan.collectorsToStart().isEmpty()) {
      written = holdForCollection(written);
      if (written == null) {
        return null; // deleted meanwhile: its archives stay on the node, as status said before
      }
    }
    for (String name : plan.collectorsToStart()) {
      written = startCollector(written, name);
    }
    plan.collectorsToDelete().forEach(this::deleteCollector);
    if (CollectionFinalizer.holds(written) && !CollectionFinalizer.collecting(written.getStatus())) {
      written = finalizer.release(written);
      if (written == null) {
        return null;
      }
      recorder.seen(written);
    }
    if (plan.done()) {
      forget(id, uid);
      // evidence first, then contain: done means custody finished for every container
      return expire(containment.step(written));
    }
    // a status write does not wake this object again (its generation is unchanged): a round of a
    // series that this write made the current one is looked at when due (at once if it is late)
    return SeriesRounds.untilDue(written.getStatus(), clock.instant());
  }

  /**
   * A finished object's TTL (spec.ttlSecondsAfterFinished): deletes it once it has passed, else
   * says when to look again. The delete carries the resourceVersion decided on, so an object changed
   * meanwhile is decided again rather than deleted on an old view.
   */
  private Duration expire(ForensicCheckpoint fcp) {
    RecordExpiry.Decision decision = RecordExpiry.decide(fcp, clock.instant());
    if (decision instanceof RecordExpiry.Decision.Wait wait) {
      return wait.after().plusMillis(100);
    }
    if (decision instanceof RecordExpiry.Decision.Refuse refuse) {
      if (ttlRefusalsTold.add(fcp.getMetadata().getUid())) {
        notifier.ttlRefused(fcp, refuse.why());
      }
      return null;
    }
    if (decision instanceof RecordExpiry.Decision.Delete) {
      try {
        client.resources(ForensicCheckpoint.class).inNamespace(fcp.getMetadata().getNamespace()).resource(fcp)
            .lockResourceVersion(fcp.getMetadata().getResourceVersion()).delete();
        notifier.expired(fcp);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404 && e.getCode() != 409) {
          throw e;
        }
        // gone already, or changed since it was read: the next reconcile decides on the new view
      }
    }
    return null;
  }

  /** Sends the kubelet call of a container whose Running mark was just written; holds its permit. */
  private void launch(ForensicCheckpoint marked, String name) {
    var spec = marked.getSpec();
    int timeout = config.timeoutFor(spec.getTimeoutSeconds());
    CheckpointTarget target = new CheckpointTarget(marked.getStatus().getNodeName(), marked.getMetadata()
        .getNamespace(), spec.getPodName(), name, timeout);
    ContainerCheckpointStatus entry = marked.getStatus().container(name).orElseThrow();
    notifier.callStarting(marked, target, entry, spec.getTimeoutSeconds());
    CheckpointKey key = key(marked, name);
    CompletableFuture<CheckpointOutcome> outcome;
    try {
      // Logged as it arrives, before the tracker wakes anything that writes status: the log keeps
      // the answer (and where the archive is) even if that write never happens.
      outcome = transport.checkpoint(target).whenComplete((result, error) -> notifier.answerArrived(marked,
          entry, target, result, error));
    } catch (RuntimeException e) {
      tracker.releaseUnused(key);
      throw e;
    }
    tracker.started(key, entry.getAttemptID(), outcome);
  }

  /**
   * Adds the collection finalizer before collector pods are created (see {@link CollectionFinalizer});
   * returns the object as it is now, or null if it was deleted.
   */
  private ForensicCheckpoint holdForCollection(ForensicCheckpoint marked) {
    ForensicCheckpoint held = finalizer.hold(marked);
    if (held == null || held == marked) {
      return held;
    }
    recorder.seen(held);
    // the rest of this pass works on what was decided (the status just written) with the finalizer;
    // a copy, since marked may be the informer's cached object
    ForensicCheckpoint copy = client.getKubernetesSerialization().clone(marked);
    copy.getMetadata().setFinalizers(held.getMetadata().getFinalizers());
    copy.getMetadata().setResourceVersion(held.getMetadata().getResourceVersion());
    return copy;
  }

  /**
   * Creates the collector pod of a container marked Collecting; one that exists already (created
   * before a restart) is left to finish. A pod that cannot be created is recorded as a failed
   * collection: the archive stays on the node, and status says why. Returns the object as it is now.
   */
  private ForensicCheckpoint startCollector(ForensicCheckpoint marked, String name) {
    ContainerCheckpointStatus entry = marked.getStatus().container(name).orElseThrow();
    if (entry.getPhase() == io.ckpt.forensics.api.ContainerPhase.Failed) {
      return bundleCustody.start(marked, entry);
    }
    Pod pod = CollectorPods.build(marked, entry, config.collection(), config.export());
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
      notifier.collectorStarted(marked, name, pod);
      return marked;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return marked; // created before: its report comes through the informer
      }
      String ref = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
      String why = "collector pod " + ref + " could not be created (HTTP " + e.getCode() + ": "
          + (e.getStatus() == null ? e.getClass().getSimpleName() : e.getStatus().getMessage()) + "); the operator"
          + " needs create on pods in " + config.collection().namespace() + ", and the namespace must admit hostPath"
          + " (Pod Security level privileged); the archive stays on node " + marked.getStatus().getNodeName();
      ForensicCheckpoint updated = recorder.update(marked, status -> status.container(name).ifPresent(c -> c.setEvidence(
          CollectorPods.failed(ref, "CollectorNotStarted", why))));
      notifier.collectorNotStarted(marked, name, why);
      return updated;
    }
  }

  /** Deletes a collector pod whose report is in status. */
  private void deleteCollector(String podName) {
    try {
      client.pods().inNamespace(config.collection().namespace()).withName(podName).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("collector pod not deleted pod={}/{} code={}", config.collection().namespace(), podName, e.getCode());
    }
    if (FallbackBundles.isBundlePod(podName)) {
      bundleCustody.deleteSecret(podName);
    }
  }

  /** The object as the API server has it now, or null if it was deleted (or replaced by another UID). */
  private ForensicCheckpoint readFresh(ForensicCheckpoint fcp) {
    ForensicCheckpoint fresh = client.resources(ForensicCheckpoint.class).inNamespace(fcp.getMetadata().getNamespace())
        .withName(fcp.getMetadata().getName()).get();
    if (fresh == null || !fresh.getMetadata().getUid().equals(fcp.getMetadata().getUid())) {
      recorder.forget(fcp.getMetadata().getUid()::equals);
      tracker.forgetDeleted(ResourceID.fromResource(fcp), fcp.getMetadata().getUid());
      return null;
    }
    recorder.seen(fresh);
    return fresh;
  }

  private CheckpointPlanner.PodRead readPod(ForensicCheckpoint fcp) {
    try {
      Pod pod = client.pods().inNamespace(fcp.getMetadata().getNamespace()).withName(fcp.getSpec().getPodName()).get();
      return CheckpointPlanner.PodRead.of(pod == null ? null : PodSnapshot.of(pod));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 401 && e.getCode() != 403) {
        throw e;
      }
      return CheckpointPlanner.PodRead.denied(e.getCode());
    }
  }

  /** Drops what this process remembers of an object that needs nothing more. */
  private void forget(ResourceID id, String uid) {
    recorder.forget(uid::equals);
    tracker.forget(id, uid);
  }

  /**
   * Releases what deleted objects left behind and wakes objects whose finished call is not
   * recorded yet (see {@link CallTracker#sweep()}); runs every {@link #SWEEP_INTERVAL}.
   */
  void sweep() {
    var cache = primaryCache;
    if (cache != null) {
      Set<String> present = cache.list().map(r -> r.getMetadata().getUid()).collect(Collectors.toSet());
      recorder.forget(uid -> !present.contains(uid));
      ttlRefusalsTold.removeIf(uid -> !present.contains(uid));
      cache.list().filter(ForensicCheckpoint::isMarkedForDeletion).map(ResourceID::fromResource)
          .forEach(this::finishDeletedCollection);
      sweepOrphanCollectors(present);
    }
    tracker.sweep();
  }

  /**
   * An object being deleted is not reconciled: a collector of one that finished is seen to here, on
   * the timer thread rather than the informer's.
   */
  private void collectorChanged(Pod pod) {
    if (CollectorPods.report(pod).isPresent()) {
      CollectorPods.owner(pod).forEach(owner -> ticker.schedule(Duration.ZERO, () -> finishDeletedCollection(owner)));
    }
  }

  /**
   * An object deleted while it held the collection finalizer: once its collectors finished (or their
   * deadline passed, see {@link CollectionFinalizer#mayRelease}), each report is logged, since no
   * status will hold it, the pods are deleted and the finalizer removed, and the object goes. The
   * stored evidence and records stay. The framework runs no reconcile for an object marked for
   * deletion that holds none of its own finalizers, so this runs from the sweep and when a collector
   * pod changes.
   */
  private void finishDeletedCollection(ResourceID id) {
    var cache = primaryCache;
    ForensicCheckpoint fcp = cache == null ? null : cache.get(id).orElse(null);
    if (fcp == null || !fcp.isMarkedForDeletion() || !CollectionFinalizer.holds(fcp)) {
      return;
    }
    var informer = collectorPods;
    String uid = fcp.getMetadata().getUid();
    List<Pod> pods = informer == null ? List.of() : informer.list()
        .filter(p -> uid.equals(p.getMetadata().getLabels().get(CollectorPods.LABEL_FCP_UID))).toList();
    if (!CollectionFinalizer.mayRelease(fcp, pods, config.collection().deadline(), clock.instant())) {
      return; // a collector still runs: it is bounded by its active deadline
    }
    for (Pod pod : pods) {
      CollectorPods.report(pod).ifPresentOrElse(report -> notifier.collectorOutlivedItsObject(pod, report),
          () -> LOG.warn("collector gave no report by its deadline after its ForensicCheckpoint was deleted"
              + " fcp={} pod={}/{}; its evidence, if any, is in the store", ref(fcp), pod.getMetadata().getNamespace(),
              pod.getMetadata().getName()));
      deleteCollector(pod.getMetadata().getName());
    }
    try {
      finalizer.release(fcp);
      LOG.info("collection finished after deletion, finalizer removed fcp={} uid={}", ref(fcp), uid);
    } catch (KubernetesClientException e) {
      LOG.warn("collection finalizer not removed fcp={} code={}; the sweep tries again", ref(fcp), e.getCode());
    }
  }

  /**
   * Collector pods whose ForensicCheckpoint was deleted while they ran: they are left to finish
   * (their evidence is stored all the same, and deleting an object never deletes evidence), then
   * their report is logged, since no status can hold it, and the pod is deleted. Objects deleted
   * while holding the collection finalizer are seen to by {@link #finishDeletedCollection}; these are
   * the pods of objects that went without it (deleted before the finalizer was added, or the
   * finalizer removed by hand).
   */
  private void sweepOrphanCollectors(Set<String> present) {
    var informer = collectorPods;
    if (informer == null) {
      return;
    }
    informer.list().filter(pod -> !present.contains(pod.getMetadata().getLabels().get(CollectorPods.LABEL_FCP_UID)))
        .forEach(pod -> CollectorPods.report(pod).ifPresent(report -> {
          notifier.collectorOutlivedItsObject(pod, report);
          deleteCollector(pod.getMetadata().getName());
        }));
  }

  private void sweepAndRepeat() {
    if (closed) {
      return;
    }
    try {
      sweep();
    } finally {
      ticker.schedule(SWEEP_INTERVAL, this::sweepAndRepeat);
    }
  }

  private boolean isLive(ResourceID id, String uid) {
    var cache = primaryCache;
    return cache == null || cache.get(id).filter(r -> uid.equals(r.getMetadata().getUid())).isPresent();
  }

  private static CheckpointKey key(ForensicCheckpoint fcp, String container) {
    return new CheckpointKey(ResourceID.fromResource(fcp), fcp.getMetadata().getUid(), container);
  }

  /** namespace/pod/container: what the scheduler lets only one call at a time reach. */
  private static String target(ForensicCheckpoint fcp, String container) {
    return fcp.getMetadata().getNamespace() + "/" + fcp.getSpec().getPodName() + "/" + container;
  }

  private static String ref(ForensicCheckpoint fcp) {
    return fcp.getMetadata().getNamespace() + "/" + fcp.getMetadata().getName();
  }

  int waitingPermits() {
    return tracker.waitingCount();
  }

  int callsInFlight() {
    return tracker.callsInFlight();
  }

  @Override
  public void close() {
    closed = true;
    tracker.close();
  }
}
