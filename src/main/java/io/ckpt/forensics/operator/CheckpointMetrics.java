package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.FailureReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The operator's Prometheus metrics (docs/operations.md, "Metrics", lists each one). Labels are bounded: result,
 * phase, reason (a closed enum), transport, and node names, which are bounded by the cluster.
 */
public final class CheckpointMetrics implements AutoCloseable {

  /** Kubelet calls take from milliseconds to minutes: buckets from 10 ms to 30 min. */
  private static final Duration[] CALL_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
      Duration.ofMinutes(10), Duration.ofMinutes(30)};

  private final PrometheusMeterRegistry registry;
  private final String transport;
  private final Set<String> nodesWithGauges = ConcurrentHashMap.newKeySet();
  private final JvmGcMetrics gcMetrics;
  private volatile ToIntFunction<String> queueDepth = node -> 0;
  private final AtomicInteger leader = new AtomicInteger();

  /**
   * @param transport the kubelet transport's name, a label of the kubelet-call metrics
   * @param jvm also publish JVM and process metrics (memory, GC, threads, CPU, uptime)
   */
  public CheckpointMetrics(String transport, boolean jvm) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.transport = transport;
    this.gcMetrics = jvm ? new JvmGcMetrics() : null;
    Gauge.builder("fcp.leader", leader, AtomicInteger::get)
        .description("1 while this process leads (reconciles), 0 while it stands by").register(registry);
    if (jvm) {
      new JvmMemoryMetrics().bindTo(registry);
      gcMetrics.bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
    }
  }

  /** Metrics nobody scrapes, without JVM binders (unit tests). */
  public static CheckpointMetrics unscraped() {
    return new CheckpointMetrics("none", false);
  }

  MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Registers the gauges that read the reconciler's state. Waiting containers are counted per node
   * but not per namespace: namespaces come and go (one per CI run in some clusters), and a series per
   * namespace would never be removed; the number of namespaces waiting shows whether several contend.
   */
  void watch(Supplier<Number> inFlight, Supplier<Number> waiting, Supplier<Number> namespacesWaiting,
      ToIntFunction<String> perNodeQueue) {
    // the Supplier form holds its supplier strongly; the (object, function) form would let it be collected
    Gauge.builder("fcp.kubelet.calls.in.flight", inFlight)
        .description("Kubelet checkpoint calls started and not yet answered").register(registry);
    Gauge.builder("fcp.checkpoints.waiting", waiting)
        .description("Containers waiting for a permit (all nodes)").register(registry);
    Gauge.builder("fcp.namespaces.waiting", namespacesWaiting)
        .description("Namespaces with at least one container waiting for a permit (they take turns)")
        .register(registry);
    this.queueDepth = perNodeQueue;
  }

  /** This process became leader (true) or stopped leading. */
  void leading(boolean leading) {
    leader.set(leading ? 1 : 0);
  }

  /** A container waits for a permit on {@code node}: its queue-depth gauge exists from then on. */
  void nodeSeen(String node) {
    if (node != null && nodesWithGauges.add(node)) {
      Gauge.builder("fcp.node.queue.depth", () -> queueDepth.applyAsInt(node))
          .description("Containers waiting for a permit on this node (per-node limit FCP_MAX_CONCURRENT_PER_NODE)")
          .tag("node", node).register(registry);
    }
  }

  /** One container's checkpoint ended; {@code reason} null when it succeeded. */
  void containerFinished(FailureReason reason) {
    Counter.builder("fcp.container.checkpoints").description("Container checkpoints that ended, by result and"
            + " failure reason").tag("result", reason == null ? "succeeded" : "failed")
        .tag("reason", reason == null ? "" : reason.name()).register(registry).increment();
  }

  /** One kubelet call ended (including automatic retries), after {@code elapsed}. */
  void kubeletCall(boolean succeeded, Duration elapsed) {
    Timer.builder("fcp.kubelet.call.duration").description("Kubelet checkpoint call, from send to answer,"
            + " including automatic retries").tag("transport", transport).tag("result", succeeded ? "succeeded" : "failed")
        .serviceLevelObjectives(CALL_BUCKETS).register(registry).record(elapsed);
  }

  /** A ForensicCheckpoint reached a terminal phase {@code elapsed} after it was created. */
  void checkpointFinished(CheckpointPhase phase, FailureReason reason, Duration elapsed) {
    Counter.builder("fcp.checkpoints").description("ForensicCheckpoints that reached a terminal phase, by phase"
            + " and first failure reason").tag("phase", phase.name()).tag("reason", reason == null ? "" : reason.name())
        .register(registry).increment();
    if (elapsed != null && !elapsed.isNegative()) {
      Timer.builder("fcp.checkpoint.duration").description("ForensicCheckpoint end to end: from creation to a"
              + " terminal phase").tag("phase", phase.name()).serviceLevelObjectives(CALL_BUCKETS)
          .register(registry).record(elapsed);
    }
  }

  /** A call that never reached the kubelet is sent again (retry number {@code retry}). */
  public void retried(int retry) {
    Counter.builder("fcp.kubelet.retries").description("Automatic re-sends of kubelet calls that never reached"
        + " the kubelet").tag("transport", transport).register(registry).increment();
  }

  /** An Event was dropped because too many were waiting to be written for its object. */
  void eventDropped() {
    Counter.builder("fcp.events.dropped").description("Events not written because more than "
        + OperatorMain.EVENTS_WAITING_PER_OBJECT + " were waiting for one object (API server slow or away);"
        + " status still holds every result").register(registry)
        .increment();
  }

  @Override
  public void close() {
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    registry.close();
  }
}
