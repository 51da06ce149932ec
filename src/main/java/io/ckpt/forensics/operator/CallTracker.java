package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What this process knows of each container's kubelet call that status cannot hold: its permit
 * (waiting or granted), the call in flight, its result until status records it, and the pod as
 * first read for an object that waits without status. A result whose object was deleted meanwhile
 * is logged and dropped; {@link #sweep} drops what deleted objects left behind and wakes objects
 * whose result is not written yet.
 */
final class CallTracker {

  /** Whether an object still exists as this process saw it; in the operator, the informer's cache. */
  interface LiveObjects {
    /** True if an object named {@code resource} exists with {@code uid}, or if that is not known yet. */
    boolean contains(ResourceID resource, String uid);
  }

  /** One object, as the UID tells it apart from a later one under the same name. */
  private record ObjectRef(ResourceID resource, String uid) {
  }

  /** A kubelet call in flight, or finished and not yet recorded in status. */
  private final class KubeletCall {
    final CompletableFuture<CheckpointOutcome> outcome;
    /** The identifier status gave this attempt before it was sent: only a matching status records it. */
    final String attemptID;
    final long startNanos;
    long endNanos;
    /** Set after endNanos, so that a finished call always has its duration. */
    volatile boolean ended;

    KubeletCall(CompletableFuture<CheckpointOutcome> outcome, String attemptID) {
      this.outcome = outcome;
      this.attemptID = attemptID;
      this.startNanos = ticker.nanoTime();
    }

    boolean done() {
      return ended;
    }
  }

  private final CheckpointScheduler scheduler;
  private final Ticker ticker;
  private final LiveObjects live;
  private final Consumer<ResourceID> wake;
  private final CheckpointNotifier notifier;
  private final Map<CheckpointKey, KubeletCall> calls = new ConcurrentHashMap<>();
  private final Map<ObjectRef, PodSnapshot> firstSights = new ConcurrentHashMap<>();
  /** The keys this process has asked permits or started calls for, by object UID: forgetting one object stays cheap. */
  private final Map<String, Set<CheckpointKey>> keysByUid = new ConcurrentHashMap<>();
  /** Set when the operator stops: its cache is gone then, and no object is known to be deleted. */
  private volatile boolean closed;

  /**
   * @param limits how many calls may run at once: in total, per node and per namespace
   * @param sameContainerGap how long after a call to a container ends the next one may start
   * @param wake asks for a reconcile of an object (a permit came, a call ended)
   */
  CallTracker(CheckpointScheduler.Limits limits, Duration sameContainerGap, Ticker ticker, LiveObjects live,
      Consumer<ResourceID> wake, CheckpointNotifier notifier) {
    this.ticker = ticker;
    this.live = live;
    this.wake = wake;
    this.notifier = notifier;
    this.scheduler = new CheckpointScheduler(limits, sameContainerGap, ticker, this::granted);
  }

  /** A permit granted after a wait: the object's reconcile starts the call, unless it was deleted. */
  private void granted(CheckpointKey key) {
    if (live.contains(key.resource(), key.uid())) {
      wake.accept(key.resource());
    } else {
      scheduler.releaseUnused(key);
    }
  }

  /** Where the container's call stands in this process. */
  CheckpointPlanner.Call state(CheckpointKey key) {
    KubeletCall call = calls.get(key);
    if (call != null) {
      if (!call.done()) {
        return CheckpointPlanner.Call.IN_FLIGHT;
      }
      return CheckpointPlanner.Call.finished(outcomeOf(call.outcome),
          Duration.ofNanos(call.endNanos - call.startNanos), call.attemptID);
    }
    if (scheduler.isGranted(key)) {
      return CheckpointPlanner.Call.GRANTED;
    }
    return scheduler.isWaiting(key) ? CheckpointPlanner.Call.WAITING : CheckpointPlanner.Call.NONE;
  }

  /** Asks for the container's permit; true if it was granted at once. */
  boolean requestPermit(CheckpointKey key, String node, String target) {
    notifier.nodeSeen(node);
    keysOf(key.uid()).add(key);
    return scheduler.request(new CheckpointScheduler.Request(key, node, target));
  }

  /** Gives back a permit (or a waiting request) without a call: no gap follows. */
  void releaseUnused(CheckpointKey key) {
    scheduler.releaseUnused(key);
  }

  /** Gives back every permit and waiting request of an object that holds no call in flight. */
  void releaseUnused(String uid) {
    for (CheckpointKey key : keysByUid.getOrDefault(uid, Set.of())) {
      if (!inFlight(key)) {
        scheduler.releaseUnused(key);
      }
    }
  }

  /**
   * Follows a call just sent. When it ends, its permit goes back (the container's gap starts) and
   * the object is woken to record the result; if the object is gone, the result is logged.
   */
  void started(CheckpointKey key, String attemptID, CompletableFuture<CheckpointOutcome> outcome) {
    KubeletCall call = new KubeletCall(outcome, attemptID);
    keysOf(key.uid()).add(key);
    calls.put(key, call);
    outcome.whenComplete((result, error) -> {
      call.endNanos = ticker.nanoTime();
      call.ended = true;
      scheduler.release(key);
      if (closed) {
        return; // stopping: the next operator finds the container Running and says so in status
      }
      if (live.contains(key.resource(), key.uid())) {
        wake.accept(key.resource());
      } else if (calls.remove(key) != null) {
        notifier.resultAfterDeletion(key, result, error);
      }
    });
  }

  /** The call's result is in status: forget the call. */
  void recorded(CheckpointKey key) {
    calls.remove(key);
  }

  /** The pod as read when the object was first seen, while the object waits without status. */
  PodSnapshot firstSight(ResourceID resource, String uid) {
    return firstSights.get(new ObjectRef(resource, uid));
  }

  void rememberFirstSight(ResourceID resource, String uid, PodSnapshot pod) {
    firstSights.put(new ObjectRef(resource, uid), pod);
  }

  void forgetFirstSight(ResourceID resource, String uid) {
    firstSights.remove(new ObjectRef(resource, uid));
  }

  /**
   * Drops all this process holds for an object found deleted; a result it had not written is
   * logged, since the kubelet may have left an archive.
   */
  void forgetDeleted(ResourceID resource, String uid) {
    for (CheckpointKey key : keysByUid.getOrDefault(uid, Set.of())) {
      KubeletCall call = calls.get(key);
      if (call != null && call.done() && calls.remove(key, call)) {
        notifier.resultAfterDeletion(key, outcomeOf(call.outcome), null);
      }
    }
    forget(resource, uid);
  }

  /** Drops all this process holds for an object that needs nothing more (terminal or deleted). */
  void forget(ResourceID resource, String uid) {
    releaseUnused(uid);
    Set<CheckpointKey> keys = keysByUid.getOrDefault(uid, Set.of());
    for (CheckpointKey key : keys) {
      KubeletCall call = calls.get(key);
      if (call == null || call.done()) {
        calls.remove(key);
        keys.remove(key);
      }
    }
    if (keys.isEmpty()) {
      keysByUid.remove(uid);
    }
    firstSights.remove(new ObjectRef(resource, uid));
  }

  private Set<CheckpointKey> keysOf(String uid) {
    return keysByUid.computeIfAbsent(uid, u -> ConcurrentHashMap.newKeySet());
  }

  /**
   * Drops what deleted objects left (deletions reach no reconcile: the only finalizer the operator
   * puts on an object is held while a collector runs, and is seen to outside reconciles): their waiting requests, unused permits, results and first reads; a
   * permit whose call still runs is kept until the call ends, since the node is still busy. Then
   * wakes every object with a result not yet written (the API server may have been away longer
   * than the framework's retries) or a permit not yet used. Called periodically.
   */
  void sweep() {
    scheduler.releaseAllUnused(key -> !live.contains(key.resource(), key.uid()) && !inFlight(key));
    calls.forEach((key, call) -> {
      if (call.done() && !live.contains(key.resource(), key.uid()) && calls.remove(key, call)) {
        notifier.resultAfterDeletion(key, outcomeOf(call.outcome), null);
      }
    });
    firstSights.keySet().removeIf(ref -> !live.contains(ref.resource(), ref.uid()));
    keysByUid.values().forEach(keys -> keys.removeIf(key -> !calls.containsKey(key)
        && !scheduler.isGranted(key) && !scheduler.isWaiting(key)));
    keysByUid.values().removeIf(Set::isEmpty);
    Set<ResourceID> toWake = calls.entrySet().stream().filter(e -> e.getValue().done())
        .map(e -> e.getKey().resource()).collect(Collectors.toSet());
    scheduler.keys().stream().filter(scheduler::isGranted).filter(key -> !calls.containsKey(key))
        .map(CheckpointKey::resource).forEach(toWake::add);
    toWake.forEach(wake);
  }

  private boolean inFlight(CheckpointKey key) {
    KubeletCall call = calls.get(key);
    return call != null && !call.done();
  }

  /** A transport's future always ends with an outcome; should one end otherwise, it is a failed call. */
  private static CheckpointOutcome outcomeOf(CompletableFuture<CheckpointOutcome> future) {
    try {
      return future.join();
    } catch (RuntimeException e) {
      return new CheckpointOutcome.Failure(new CheckpointFailure(FailureReason.KubeletError,
          "the call ended without an answer: " + e.getMessage(), null));
    }
  }

  int callsInFlight() {
    return (int) calls.values().stream().filter(c -> !c.done()).count();
  }

  int waitingCount() {
    return scheduler.waitingCount();
  }

  int namespacesWaiting() {
    return scheduler.namespacesWaiting();
  }

  int waitingOn(String node) {
    return scheduler.waitingOn(node);
  }

  /** Stops following calls; those in flight are cancelled. */
  void close() {
    closed = true;
    calls.values().forEach(c -> c.outcome.cancel(false));
  }
}
