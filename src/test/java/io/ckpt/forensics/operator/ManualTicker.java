package io.ckpt.forensics.operator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A {@link Ticker} moved by hand: time stands still until {@link #advance}, which runs what fell due, in order. */
final class ManualTicker implements Ticker {

  private record Due(long at, long seq, Runnable task) {
  }

  private long now = 1_000_000_000L;
  private long seq;
  private final List<Due> due = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void schedule(Duration delay, Runnable task) {
    due.add(new Due(now + delay.toNanos(), seq++, task));
  }

  /** Moves time on by {@code by}, running each task that falls due at its own time. */
  void advance(Duration by) {
    long end;
    synchronized (this) {
      end = now + by.toNanos();
    }
    while (true) {
      Due next;
      synchronized (this) {
        next = due.stream().filter(d -> d.at() - end <= 0)
            .min(Comparator.comparingLong(Due::at).thenComparingLong(Due::seq)).orElse(null);
        if (next == null) {
          now = end;
          return;
        }
        due.remove(next);
        now = Math.max(now, next.at());
      }
      next.task().run();
    }
  }

  /** Tasks scheduled and not yet run. */
  synchronized int pending() {
    return due.size();
  }
}
