package io.ckpt.forensics.operator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Decides when each container's kubelet call may start. A permit is held from grant to release and
 * counts against three limits: the global one, the per-node one (CRIU freezes the container and
 * writes its memory to the node's disk), and one call at a time per target container. A container's
 * next call also waits until {@code sameTargetGap} has passed since its previous call ended: the
 * kubelet names the archive after the container and the time in whole seconds, and CRI-O and
 * containerd open that file without truncating it, so a second checkpoint in the same second would
 * overwrite the first one's evidence in place (research: kubelet internals). Requests wait in arrival
 * order. A permit free at once is returned to the caller, which starts the call itself; one granted
 * later is announced to the listener, which starts the call from a reconcile. A permit given back
 * unused (no call was made) starts no gap.
 */
final class CheckpointScheduler {

  /** A container waiting for, or holding, a permit. {@code target} is namespace/pod/container. */
  record Request(CheckpointKey key, String node, String target) {
  }

  private final int maxConcurrent;
  private final int maxPerNode;
  private final Duration sameTargetGap;
  private final Ticker ticker;
  private final Consumer<CheckpointKey> onGrant;
  private final LinkedHashMap<CheckpointKey, Request> waiting = new LinkedHashMap<>();
  private final Map<CheckpointKey, Request> granted = new HashMap<>();
  private final Map<String, Integer> grantedPerNode = new HashMap<>();
  private final Set<String> grantedTargets = new HashSet<>();
  /** Targets whose last call ended less than {@code sameTargetGap} ago, with the nanoTime they are free again. */
  private final Map<String, Long> coolingUntil = new HashMap<>();
  /** When the timer set for the next cooled-down target fires, or null if none is set. */
  private Long timerAt;

  CheckpointScheduler(int maxConcurrent, int maxPerNode, Duration sameTargetGap, Ticker ticker,
      Consumer<CheckpointKey> onGrant) {
    if (maxConcurrent < 1 || maxPerNode < 1) {
      throw new IllegalArgumentException("concurrency limits must be at least 1");
    }
    this.maxConcurrent = maxConcurrent;
    this.maxPerNode = maxPerNode;
    this.sameTargetGap = sameTargetGap;
    this.ticker = ticker;
    this.onGrant = onGrant;
  }

  /**
   * Queues the request unless it is already waiting or granted. Returns true if it was granted at
   * once: the caller starts the call itself, and only permits granted later are announced.
   */
  boolean request(Request request) {
    List<CheckpointKey> grants;
    boolean grantedNow;
    synchronized (this) {
      if (waiting.containsKey(request.key()) || granted.containsKey(request.key())) {
        return false;
      }
      waiting.put(request.key(), request);
      grants = dispatch();
      grantedNow = grants.remove(request.key());
    }
    announce(grants);
    return grantedNow;
  }

  synchronized boolean isGranted(CheckpointKey key) {
    return granted.containsKey(key);
  }

  synchronized boolean isWaiting(CheckpointKey key) {
    return waiting.containsKey(key);
  }

  /** Gives the permit back after its call ended: the container's next call waits for the gap. */
  void release(CheckpointKey key) {
    release(key, true);
  }

  /**
   * Gives back a permit that was never used for a call (its status write failed, or the container
   * failed its checks), or withdraws a waiting request: no archive was named, so no gap follows.
   */
  void releaseUnused(CheckpointKey key) {
    release(key, false);
  }

  private void release(CheckpointKey key, boolean called) {
    List<CheckpointKey> grants;
    synchronized (this) {
      waiting.remove(key);
      Request held = granted.remove(key);
      if (held == null) {
        return;
      }
      grantedPerNode.computeIfPresent(held.node(), (node, count) -> count > 1 ? count - 1 : null);
      grantedTargets.remove(held.target());
      if (called && !sameTargetGap.isZero()) {
        coolingUntil.put(held.target(), ticker.nanoTime() + sameTargetGap.toNanos());
      }
      grants = dispatch();
    }
    announce(grants);
  }

  /**
   * Drops every waiting entry and every permit for which {@code unused} holds, e.g. those of deleted
   * objects whose call is not running; as {@link #releaseUnused}, no gap follows.
   */
  void releaseAllUnused(Predicate<CheckpointKey> unused) {
    List<CheckpointKey> stales;
    synchronized (this) {
      stales = new ArrayList<>();
      waiting.keySet().stream().filter(unused).forEach(stales::add);
      granted.keySet().stream().filter(unused).forEach(stales::add);
    }
    stales.forEach(this::releaseUnused);
  }

  /** Every key that waits or holds a permit (for the sweep). */
  synchronized List<CheckpointKey> keys() {
    List<CheckpointKey> keys = new ArrayList<>(waiting.keySet());
    keys.addAll(granted.keySet());
    return keys;
  }

  /** Requests waiting for a permit on {@code node}. */
  synchronized int waitingOn(String node) {
    int count = 0;
    for (Request request : waiting.values()) {
      if (request.node().equals(node)) {
        count++;
      }
    }
    return count;
  }

  synchronized int waitingCount() {
    return waiting.size();
  }

  synchronized int grantedCount() {
    return granted.size();
  }

  /** The timer's task: grants what waited only for a target's gap to pass. */
  private void gapPassed() {
    List<CheckpointKey> grants;
    synchronized (this) {
      timerAt = null;
      grants = dispatch();
    }
    announce(grants);
  }

  private List<CheckpointKey> dispatch() {
    long now = ticker.nanoTime();
    coolingUntil.values().removeIf(until -> until - now <= 0);
    List<CheckpointKey> grants = new ArrayList<>();
    Long nextFree = null;
    var it = waiting.values().iterator();
    while (it.hasNext() && granted.size() < maxConcurrent) {
      Request next = it.next();
      if (grantedPerNode.getOrDefault(next.node(), 0) >= maxPerNode || grantedTargets.contains(next.target())) {
        continue;
      }
      Long until = coolingUntil.get(next.target());
      if (until != null) {
        nextFree = nextFree == null || until - nextFree < 0 ? until : nextFree;
        continue;
      }
      it.remove();
      granted.put(next.key(), next);
      grantedPerNode.merge(next.node(), 1, Integer::sum);
      grantedTargets.add(next.target());
      grants.add(next.key());
    }
    if (nextFree != null && (timerAt == null || nextFree - timerAt < 0)) {
      timerAt = nextFree;
      ticker.schedule(Duration.ofNanos(Math.max(0, nextFree - now)), this::gapPassed);
    }
    return grants;
  }

  private void announce(List<CheckpointKey> grants) {
    grants.forEach(onGrant);
  }
}
