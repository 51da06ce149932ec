package io.ckpt.forensics.operator;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's {@link Ticker}: {@link System#nanoTime()} and one daemon timer thread for every delayed task. */
final class SystemTicker implements Ticker, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SystemTicker.class);

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "operator-timer");
    t.setDaemon(true);
    return t;
  });

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void schedule(Duration delay, Runnable task) {
    try {
      timer.schedule(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          // a failing task must not take the timer thread (and every later task) with it
          LOG.warn("timer task failed error={}", e.toString());
        }
      }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopping) {
      // the operator is stopping: nothing scheduled now would matter
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
