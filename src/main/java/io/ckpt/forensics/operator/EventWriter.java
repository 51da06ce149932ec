package io.ckpt.forensics.operator;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Events on threads of their own, so that API calls for events never delay a checkpoint.
 * Each object's events wait in a queue of their own and are written one at a time, in the order
 * they were made; objects take turns, so several threads keep up with a burst. No event is dropped
 * because many objects have events waiting (a fixed queue dropped them in the benchmark's burst of
 * 1000 objects): what waits is bounded by the objects alive, each of which makes a handful of
 * events in its life. Only an object with more than {@code perObject} events waiting, far more than
 * one ever makes, loses its oldest; each such drop is counted ({@code onDrop}, a metric) and the
 * first and every hundredth are logged, so that a lost event is never silent.
 */
final class EventWriter implements CheckpointEvents.Writer, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventWriter.class);

  private final int perObject;
  private final Runnable onDrop;
  private final AtomicLong dropped = new AtomicLong();
  /** Events not yet written, per object; an object is here while it has events waiting or being written. */
  private final Map<String, ArrayDeque<Runnable>> waiting = new HashMap<>();
  /** Objects with events waiting and no thread on them, in the order they are to be served. */
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private final Thread[] threads;
  private boolean stopping;

  EventWriter(int threadCount, int perObject, Runnable onDrop) {
    this.perObject = perObject;
    this.onDrop = onDrop;
    threads = new Thread[threadCount];
    for (int i = 0; i < threadCount; i++) {
      threads[i] = new Thread(this::serve, "events-" + (i + 1));
      threads[i].setDaemon(true);
      threads[i].start();
    }
  }

  @Override
  public void write(String objectKey, Runnable task) {
    synchronized (this) {
      if (stopping) {
        throw new RejectedExecutionException("stopping");
      }
      ArrayDeque<Runnable> queue = waiting.get(objectKey);
      if (queue == null) {
        queue = new ArrayDeque<>();
        waiting.put(objectKey, queue);
        turns.add(objectKey);
        notify();
      } else if (queue.size() >= perObject) {
        queue.poll();
        dropOne();
      }
      queue.add(task);
    }
  }

  private void dropOne() {
    long count = dropped.incrementAndGet();
    onDrop.run();
    if (count == 1 || count % 100 == 0) {
      LOG.warn("events dropped total={}: more than {} were waiting to be written for one object (API server slow"
          + " or away); status holds every result, the dropped events only repeated it", count, perObject);
    }
  }

  private void serve() {
    while (true) {
      String key;
      Runnable task;
      synchronized (this) {
        while (turns.isEmpty()) {
          if (stopping) {
            return;
          }
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        key = turns.poll();
        task = waiting.get(key).poll();
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.warn("event not recorded error={}", e.toString());
      }
      synchronized (this) {
        ArrayDeque<Runnable> queue = waiting.get(key);
        if (queue.isEmpty()) {
          waiting.remove(key);
        } else {
          turns.add(key);
          notify();
        }
      }
    }
  }

  /** Events waiting to be written, all objects together. */
  synchronized int waitingCount() {
    return waiting.values().stream().mapToInt(ArrayDeque::size).sum();
  }

  /** Stops taking events and gives those already waiting up to {@code grace} to be written. */
  void close(long grace, TimeUnit unit) throws InterruptedException {
    synchronized (this) {
      stopping = true;
      notifyAll();
    }
    long deadline = System.nanoTime() + unit.toNanos(grace);
    for (Thread thread : threads) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(thread, left);
      }
    }
    for (Thread thread : threads) {
      thread.interrupt();
    }
    int left = waitingCount();
    if (left > 0) {
      LOG.warn("events not written at shutdown count={}: the API server did not take them within {} ms", left,
          unit.toMillis(grace));
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
