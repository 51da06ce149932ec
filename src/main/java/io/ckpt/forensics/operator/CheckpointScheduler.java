package io.ckpt.forensics.operator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Decides when each container's kubelet call may start. A permit is held from grant to release and
 * counts against four limits: the global one, the per-node one (CRIU freezes the container and
 * writes its memory to the node's disk), the per-namespace one (one namespace cannot take every
 * permit), and one call at a time per target container. A container's next call also waits until
 * {@code sameTargetGap} has passed since its previous call ended: the kubelet names the archive after
 * the container and the time in whole seconds, and CRI-O and containerd open that file without
 * truncating it, so a second checkpoint in the same second would overwrite the first one's evidence
 * in place (research: kubelet internals).
 *
 * <p>Namespaces take turns: of the namespaces with a request that may start now, the one served
 * longest ago goes first, and a namespace that had nothing waiting goes before every namespace served
 * since it was last served. So a namespace with one waiting container passes ahead of one with
 * thousands, however its requests and the per-node limits fall. Within a namespace requests start in
 * arrival order, skipping those whose node is full or whose container is busy or in its gap.
 *
 * <p>A permit free at once is returned to the caller, which starts the call itself; one granted
 * later is announced to the listener, which starts the call from a reconcile. A permit given back
 * unused (no call was made) starts no gap.
 *
 * <p>Finding the next grant looks at each namespace's first ready request per node, never at every
 * waiting request: its cost grows with the namespaces and nodes that have requests, not with the
 * requests, so thousands waiting on a full node cost one look per release.
 */
final class CheckpointScheduler {

  /**
   * How many permits may be held at once: in total, per node and per namespace.
   *
   * @throws IllegalArgumentException when a limit is below 1 or the per-namespace one is above the global one
   */
  record Limits(int global, int perNode, int perNamespace) {
    Limits {
      if (global < 1 || perNode < 1 || perNamespace < 1) {
        throw new IllegalArgumentException("concurrency limits must be at least 1");
      }
      if (perNamespace > global) {
        throw new IllegalArgumentException("the per-namespace limit (" + perNamespace
            + ") cannot be above the global one (" + global + ")");
      }
    }
  }

  /** A container waiting for, or holding, a permit. {@code target} is namespace/pod/container. */
  record Request(CheckpointKey key, String node, String target) {

    String namespace() {
      return key.resource().getNamespace().orElse("");
    }
  }

  /** A waiting request and its arrival number: lower arrived earlier. */
  private record Waiting(Request request, long arrival) {
  }

  /** One target container: its waiting requests in arrival order, and why the first one cannot start. */
  private static final class TargetLine {
    final String target;
    final LinkedHashMap<CheckpointKey, Waiting> waiting = new LinkedHashMap<>();
    /** A permit for this container is granted. */
    boolean busy;
    /** Its last call ended less than the gap ago: free again at {@code coolingUntil} (nanoTime). */
    boolean cooling;
    long coolingUntil;
    /** The head under which it is indexed as ready in its namespace, or null when it is not. */
    Waiting readyAs;

    TargetLine(String target) {
      this.target = target;
    }

    boolean free() {
      return !busy && !cooling;
    }

    boolean unused() {
      return free() && waiting.isEmpty();
    }
  }

  /** One namespace: its permits, its ready target lines by node, and when it was last served. */
  private static final class NamespaceQueue {
    final String name;
    /** The turn number of its last grant; 0: never served (or not remembered). */
    long lastServed;
    /** The arrival number of the request that brought it: among namespaces never served, the first come goes first. */
    final long since;
    int granted;
    int waiting;
    /** Ready target lines by their head's node, keyed by that head's arrival. */
    final Map<String, TreeMap<Long, TargetLine>> readyByNode = new HashMap<>();
    int ready;

    NamespaceQueue(String name, long lastServed, long since) {
      this.name = name;
      this.lastServed = lastServed;
      this.since = since;
    }

    boolean idle() {
      return granted == 0 && waiting == 0;
    }
  }

  /** How many idle namespaces' last turns are kept; past that the longest idle is forgotten, as if never served. */
  static final int REMEMBERED_IDLE_NAMESPACES = 4096;

  private final Limits limits;
  private final Duration sameTargetGap;
  private final Ticker ticker;
  private final Consumer<CheckpointKey> onGrant;
  private final Map<CheckpointKey, Waiting> waiting = new HashMap<>();
  private final Map<CheckpointKey, Request> granted = new HashMap<>();
  private final Map<String, Integer> grantedPerNode = new HashMap<>();
  private final Map<String, Integer> waitingPerNode = new HashMap<>();
  /** Target lines with waiting requests, a permit, or a gap running. */
  private final Map<String, TargetLine> lines = new HashMap<>();
  /** Lines in their gap, in the order the gap ends (it has one length, and starts when a call ends). */
  private final ArrayDeque<TargetLine> cooling = new ArrayDeque<>();
  /** Namespaces with waiting requests or permits. */
  private final Map<String, NamespaceQueue> namespaces = new HashMap<>();
  /** Namespaces with a ready line, served longest ago first. */
  private final TreeSet<NamespaceQueue> turns = new TreeSet<>(
      Comparator.<NamespaceQueue>comparingLong(ns -> ns.lastServed).thenComparingLong(ns -> ns.since)
          .thenComparing(ns -> ns.name));
  /** The last turns of namespaces with nothing waiting or granted: leaving and coming back must not move one ahead. */
  private final LinkedHashMap<String, Long> idleLastServed = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > REMEMBERED_IDLE_NAMESPACES;
    }
  };
  private long arrivals;
  private long turnsTaken;
  /** When the timer set for the next cooled-down target fires, or null if none is set. */
  private Long timerAt;

  CheckpointScheduler(Limits limits, Duration sameTargetGap, Ticker ticker, Consumer<CheckpointKey> onGrant) {
    this.limits = limits;
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
      Waiting entry = new Waiting(request, ++arrivals);
      waiting.put(request.key(), entry);
      waitingPerNode.merge(request.node(), 1, Integer::sum);
      namespace(request.namespace()).waiting++;
      TargetLine line = lines.computeIfAbsent(request.target(), TargetLine::new);
      line.waiting.put(request.key(), entry);
      if (line.free() && line.readyAs == null) {
        markReady(line);
      }
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
      if (!withdraw(key) && !giveBack(key, called)) {
        return;
      }
      grants = dispatch();
    }
    announce(grants);
  }

  /** Drops a waiting request; false if it was not waiting. */
  private boolean withdraw(CheckpointKey key) {
    Waiting entry = waiting.remove(key);
    if (entry == null) {
      return false;
    }
    Request request = entry.request();
    decrement(waitingPerNode, request.node());
    TargetLine line = lines.get(request.target());
    boolean wasHead = line.readyAs == entry;
    if (wasHead) {
      markNotReady(line);
    }
    line.waiting.remove(key);
    if (wasHead && !line.waiting.isEmpty()) {
      markReady(line);
    }
    forgetIfUnused(line);
    NamespaceQueue ns = namespaces.get(request.namespace());
    ns.waiting--;
    forgetIfIdle(ns);
    return true;
  }

  /** Ends a permit; false if none was held. */
  private boolean giveBack(CheckpointKey key, boolean called) {
    Request held = granted.remove(key);
    if (held == null) {
      return false;
    }
    decrement(grantedPerNode, held.node());
    TargetLine line = lines.get(held.target());
    line.busy = false;
    if (called && !sameTargetGap.isZero()) {
      line.cooling = true;
      line.coolingUntil = ticker.nanoTime() + sameTargetGap.toNanos();
      cooling.addLast(line);
    } else if (!line.waiting.isEmpty()) {
      markReady(line);
    }
    forgetIfUnused(line);
    NamespaceQueue ns = namespaces.get(held.namespace());
    ns.granted--;
    forgetIfIdle(ns);
    return true;
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
    return waitingPerNode.getOrDefault(node, 0);
  }

  synchronized int waitingCount() {
    return waiting.size();
  }

  synchronized int grantedCount() {
    return granted.size();
  }

  /** Namespaces with at least one request waiting for a permit. */
  synchronized int namespacesWaiting() {
    return (int) namespaces.values().stream().filter(ns -> ns.waiting > 0).count();
  }

  /**
   * True once nothing waits, holds a permit or runs its gap, and nothing is kept about anyone: the
   * scheduler's memory follows what is in it now, not what it has seen.
   */
  synchronized boolean holdsNothing() {
    return waiting.isEmpty() && granted.isEmpty() && grantedPerNode.isEmpty() && waitingPerNode.isEmpty()
        && lines.isEmpty() && cooling.isEmpty() && namespaces.isEmpty() && turns.isEmpty()
        && idleLastServed.isEmpty();
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

  /**
   * Grants what may start now, in rounds: each round gives one permit to each namespace that can use
   * one, longest unserved first; a namespace that could not use one in a round cannot in a later one,
   * since grants only fill limits.
   */
  private List<CheckpointKey> dispatch() {
    long now = ticker.nanoTime();
    endGaps(now);
    List<CheckpointKey> grants = new ArrayList<>();
    List<NamespaceQueue> round = new ArrayList<>(turns);
    while (!round.isEmpty() && granted.size() < limits.global()) {
      List<NamespaceQueue> served = new ArrayList<>();
      for (NamespaceQueue ns : round) {
        if (granted.size() >= limits.global()) {
          break;
        }
        TargetLine next = ns.granted < limits.perNamespace() ? firstStartable(ns) : null;
        if (next != null) {
          grants.add(grant(ns, next));
          served.add(ns);
        }
      }
      round = served;
    }
    setTimer(now);
    return grants;
  }

  /** The namespace's earliest ready request on a node with a free slot, by its line. */
  private TargetLine firstStartable(NamespaceQueue ns) {
    TargetLine first = null;
    long firstArrival = Long.MAX_VALUE;
    for (Map.Entry<String, TreeMap<Long, TargetLine>> byNode : ns.readyByNode.entrySet()) {
      if (grantedPerNode.getOrDefault(byNode.getKey(), 0) >= limits.perNode()) {
        continue;
      }
      Map.Entry<Long, TargetLine> head = byNode.getValue().firstEntry();
      if (head.getKey() < firstArrival) {
        firstArrival = head.getKey();
        first = head.getValue();
      }
    }
    return first;
  }

  private CheckpointKey grant(NamespaceQueue ns, TargetLine line) {
    Waiting head = line.readyAs;
    Request request = head.request();
    markNotReady(line);
    line.waiting.remove(request.key());
    line.busy = true;
    waiting.remove(request.key());
    decrement(waitingPerNode, request.node());
    granted.put(request.key(), request);
    grantedPerNode.merge(request.node(), 1, Integer::sum);
    ns.waiting--;
    ns.granted++;
    boolean inTurns = turns.remove(ns);
    ns.lastServed = ++turnsTaken;
    if (inTurns) {
      turns.add(ns);
    }
    return request.key();
  }

  /** Lines whose gap has passed become ready again, or are forgotten when nothing waits for them. */
  private void endGaps(long now) {
    while (!cooling.isEmpty() && cooling.peekFirst().coolingUntil - now <= 0) {
      TargetLine line = cooling.pollFirst();
      line.cooling = false;
      if (!line.waiting.isEmpty()) {
        markReady(line);
      } else {
        lines.remove(line.target);
      }
    }
  }

  /** Sets a timer for the first line in its gap that a request waits for, unless one fires earlier. */
  private void setTimer(long now) {
    for (TargetLine line : cooling) {
      if (!line.waiting.isEmpty()) {
        long at = line.coolingUntil;
        if (timerAt == null || at - timerAt < 0) {
          timerAt = at;
          ticker.schedule(Duration.ofNanos(Math.max(0, at - now)), this::gapPassed);
        }
        return;
      }
    }
  }

  /** Indexes a free line with waiting requests under its first request's namespace and node. */
  private void markReady(TargetLine line) {
    Waiting head = line.waiting.values().iterator().next();
    NamespaceQueue ns = namespaces.get(head.request().namespace());
    ns.readyByNode.computeIfAbsent(head.request().node(), n -> new TreeMap<>()).put(head.arrival(), line);
    line.readyAs = head;
    if (ns.ready++ == 0) {
      turns.add(ns);
    }
  }

  private void markNotReady(TargetLine line) {
    Request head = line.readyAs.request();
    NamespaceQueue ns = namespaces.get(head.namespace());
    TreeMap<Long, TargetLine> onNode = ns.readyByNode.get(head.node());
    onNode.remove(line.readyAs.arrival());
    if (onNode.isEmpty()) {
      ns.readyByNode.remove(head.node());
    }
    line.readyAs = null;
    if (--ns.ready == 0) {
      turns.remove(ns);
    }
  }

  private void forgetIfUnused(TargetLine line) {
    if (line.unused()) {
      lines.remove(line.target);
    }
  }

  /** The namespace's queue, created with the turn it was last served in if that is remembered. */
  private NamespaceQueue namespace(String name) {
    return namespaces.computeIfAbsent(name, n -> {
      Long lastServed = idleLastServed.remove(n);
      return new NamespaceQueue(n, lastServed == null ? 0 : lastServed, arrivals);
    });
  }

  /**
   * Forgets a namespace with nothing waiting or granted, remembering when it was served: one that
   * leaves and comes back must not pass ahead of those that waited meanwhile. Once nothing at all
   * waits or holds a permit, nobody can be passed, and the memory is cleared.
   */
  private void forgetIfIdle(NamespaceQueue ns) {
    if (!ns.idle()) {
      return;
    }
    namespaces.remove(ns.name);
    if (namespaces.isEmpty()) {
      idleLastServed.clear();
    } else if (ns.lastServed > 0) {
      idleLastServed.put(ns.name, ns.lastServed);
    }
  }

  /** One less for {@code node}; a count that reaches zero is dropped, so the maps hold busy nodes only. */
  private static void decrement(Map<String, Integer> perNode, String node) {
    perNode.computeIfPresent(node, (n, count) -> count > 1 ? count - 1 : null);
  }

  private void announce(List<CheckpointKey> grants) {
    grants.forEach(onGrant);
  }
}
