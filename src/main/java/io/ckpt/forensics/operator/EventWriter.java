package io.ckpt.forensics.operator;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Events on threads of their own, so that API calls for events never delay a checkpoint.
 * One object's events always go to the same thread, in the order they were made; several threads
 * keep up with a burst (one thread fell 3000 events behind in the benchmark's 1000-object burst and
 * dropped most of them). At most {@code capacity} events wait per thread: when the API server is
 * slow or away the oldest waiting ones are dropped rather than held in memory. Each drop is counted
 * ({@code onDrop}, a metric) and the first and every hundredth are logged, so that a lost event is
 * never silent.
 */
final class EventWriter implements CheckpointEvents.Writer, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventWriter.class);

  private final ExecutorService[] threads;

  EventWriter(int threadCount, int capacity, Runnable onDrop) {
    AtomicLong dropped = new AtomicLong();
    ThreadPoolExecutor.DiscardOldestPolicy discardOldest = new ThreadPoolExecutor.DiscardOldestPolicy();
    threads = new ExecutorService[threadCount];
    for (int i = 0; i < threadCount; i++) {
      String name = "events-" + (i + 1);
      threads[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(capacity), r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      }, (task, pool) -> {
        if (pool.isShutdown()) {
          throw new RejectedExecutionException("stopping");
        }
        long count = dropped.incrementAndGet();
        onDrop.run();
        if (count == 1 || count % 100 == 0) {
          LOG.warn("events dropped total={}: more than {} were waiting to be written on one thread (API server"
              + " slow or away); status holds every result, the dropped events only repeated it", count, capacity);
        }
        discardOldest.rejectedExecution(task, pool);
      });
    }
  }

  @Override
  public void write(String objectKey, Runnable task) {
    threads[Math.floorMod(objectKey.hashCode(), threads.length)].execute(task);
  }

  /** Stops taking events and gives those already waiting up to {@code grace} to be written. */
  void close(long grace, TimeUnit unit) throws InterruptedException {
    for (ExecutorService thread : threads) {
      thread.shutdown();
    }
    long deadline = System.nanoTime() + unit.toNanos(grace);
    for (ExecutorService thread : threads) {
      thread.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void close() {
    try {
      close(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
