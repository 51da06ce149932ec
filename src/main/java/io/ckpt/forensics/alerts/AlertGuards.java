package io.ckpt.forensics.alerts;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The dedup window per pod and container, and the hourly cap per namespace, held in memory and bounded.
 * A decision and its reservation are one step ({@link #reserve}), so that concurrent alerts for one pod
 * make one checkpoint; a create that then fails gives its reservation back ({@link #release}).
 *
 * <p>Bounds: at most {@code maxKeys} dedup entries (the oldest go first when full, which can only let a
 * duplicate through, still under the hourly cap), and per namespace at most its cap of creation times.
 * After an operator restart the state is empty: the dedup window starts again, and the hourly cap allows
 * at most one more hour's worth.
 */
public final class AlertGuards {

  /** What the guards say about an alert. */
  public enum Verdict {
    ALLOWED, DEDUPLICATED, RATE_LIMITED
  }

  /** A granted reservation; give it back with {@link #release} if nothing was created. */
  public record Reservation(String key, String alias, String namespace, long at) {}

  private static final long HOUR = Duration.ofHours(1).toNanos();

  private final int maxKeys;
  private final int maxNamespaces;
  private final LongSupplier nanos;
  /** Dedup key (namespace/pod/container, and its alias as the alert named it) to the end of its window. */
  private final LinkedHashMap<String, Long> until = new LinkedHashMap<>();
  /** Namespace to the times of its creations in the last hour, oldest first. */
  private final Map<String, ArrayDeque<Long>> created = new HashMap<>();

  public AlertGuards(int maxKeys, int maxNamespaces, LongSupplier nanos) {
    this.maxKeys = maxKeys;
    this.maxNamespaces = maxNamespaces;
    this.nanos = nanos;
  }

  /** A decision without reserving anything: lets the caller skip reading the pod. */
  public synchronized Verdict peek(String alias, String namespace, int maxPerHour) {
    long now = nanos.getAsLong();
    if (inWindow(alias, now)) {
      return Verdict.DEDUPLICATED;
    }
    return full(namespace, maxPerHour, now) ? Verdict.RATE_LIMITED : Verdict.ALLOWED;
  }

  /**
   * Decides and, when allowed, takes a slot of the namespace's hour and opens the dedup window of
   * {@code key} and {@code alias} (the same container as the alert named it, so that later alerts are
   * deduplicated before their pod is read).
   */
  public synchronized Verdict reserve(String key, String alias, String namespace, Duration window, int maxPerHour,
      Reservation[] granted) {
    long now = nanos.getAsLong();
    if (inWindow(key, now) || inWindow(alias, now)) {
      return Verdict.DEDUPLICATED;
    }
    if (full(namespace, maxPerHour, now)) {
      return Verdict.RATE_LIMITED;
    }
    ArrayDeque<Long> times = created.computeIfAbsent(namespace, n -> new ArrayDeque<>());
    times.addLast(now);
    if (!window.isZero()) {
      open(key, now + window.toNanos());
      open(alias, now + window.toNanos());
    }
    granted[0] = new Reservation(key, alias, namespace, now);
    trimNamespaces(now);
    return Verdict.ALLOWED;
  }

  public synchronized void release(Reservation r) {
    until.remove(r.key());
    until.remove(r.alias());
    ArrayDeque<Long> times = created.get(r.namespace());
    if (times != null) {
      times.removeLastOccurrence(r.at());
    }
  }

  /** Dedup entries held now (for tests and metrics). */
  public synchronized int keys() {
    return until.size();
  }

  private boolean inWindow(String key, long now) {
    Long end = until.get(key);
    if (end == null) {
      return false;
    }
    if (now - end >= 0) {
      until.remove(key);
      return false;
    }
    return true;
  }

  private boolean full(String namespace, int maxPerHour, long now) {
    ArrayDeque<Long> times = created.get(namespace);
    if (times == null) {
      return false;
    }
    while (!times.isEmpty() && now - times.peekFirst() >= HOUR) {
      times.pollFirst();
    }
    return times.size() >= maxPerHour;
  }

  private void open(String key, long end) {
    until.remove(key);
    until.put(key, end);
    long now = nanos.getAsLong();
    Iterator<Map.Entry<String, Long>> it = until.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Long> e = it.next();
      if (until.size() > maxKeys || now - e.getValue() >= 0) {
        it.remove();
      } else {
        break;
      }
    }
  }

  private void trimNamespaces(long now) {
    if (created.size() <= maxNamespaces) {
      return;
    }
    created.values().removeIf(times -> {
      while (!times.isEmpty() && now - times.peekFirst() >= HOUR) {
        times.pollFirst();
      }
      return times.isEmpty();
    });
  }
}
