package io.ckpt.forensics.operator;

import java.time.Duration;

/**
 * The operator's monotonic time and its one timer: call durations, the same-container gap and the
 * sweep are measured and scheduled with it, so that tests move time by hand and get exact results.
 */
interface Ticker {

  /** A monotonic reading in nanoseconds, as {@link System#nanoTime()}: only differences mean anything. */
  long nanoTime();

  /** Runs {@code task} once, {@code delay} from now. */
  void schedule(Duration delay, Runnable task);
}
