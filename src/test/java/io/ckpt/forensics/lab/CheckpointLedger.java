package io.ckpt.forensics.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a simulated kubelet saw, for assertions: every /checkpoint request (also appended to
 * {@code kubelet.log}), and how many dumps ran at once, in total and per container.
 */
final class CheckpointLedger {

  private final Path callLog;
  private final List<CheckpointCall> calls = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger inProgress = new AtomicInteger();
  private final AtomicInteger maxInProgress = new AtomicInteger();
  private final Map<String, AtomicInteger> inProgressByContainer = new ConcurrentHashMap<>();
  private final AtomicInteger sameContainerOverlaps = new AtomicInteger();

  CheckpointLedger(Path callLog) {
    this.callLog = callLog;
  }

  /** A dump of {@code containerKey} (ns/pod/container) starts; close the result when it ends. */
  Dump begin(String containerKey) {
    int now = inProgress.incrementAndGet();
    maxInProgress.accumulateAndGet(now, Math::max);
    AtomicInteger perContainer = inProgressByContainer.computeIfAbsent(containerKey, k -> new AtomicInteger());
    if (perContainer.incrementAndGet() > 1) {
      sameContainerOverlaps.incrementAndGet();
    }
    return () -> {
      perContainer.decrementAndGet();
      inProgress.decrementAndGet();
    };
  }

  /** A dump in progress. */
  interface Dump extends AutoCloseable {
    @Override
    void close();
  }

  void record(CheckpointCall call) {
    calls.add(call);
    String line = call.start() + " " + call.method() + " " + call.target() + " user=" + call.user() + " groups="
        + call.groups() + " -> " + call.status() + " (" + call.durationMillis() + " ms) "
        + call.body().replace("\n", "\\n") + "\n";
    try {
      Files.writeString(callLog, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // diagnostics only
    }
  }

  List<CheckpointCall> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  /** Forgets the calls and the overlap counts; the maximum restarts from the dumps running now. */
  void clear() {
    calls.clear();
    maxInProgress.set(inProgress.get());
    sameContainerOverlaps.set(0);
  }

  int inProgress() {
    return inProgress.get();
  }

  int maxInProgress() {
    return maxInProgress.get();
  }

  int sameContainerOverlaps() {
    return sameContainerOverlaps.get();
  }
}
