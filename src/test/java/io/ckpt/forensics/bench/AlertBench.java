package io.ckpt.forensics.bench;

import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.FalcoSelector;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.bench.Bench.Row;
import io.ckpt.forensics.cluster.AlertSender;
import io.ckpt.forensics.cluster.ChartRelease;
import io.ckpt.forensics.cluster.Checkpoints;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.OperatorMain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * (e) alerts (issue 15): alert-to-object latency, the receiver's POST answered once the
 * ForensicCheckpoint exists, against the same run's plain create of a ForensicCheckpoint by a client;
 * and a flood of 10,000 alerts on 50 pods from 16 senders. The operator runs in this JVM (as the
 * chart's ServiceAccount) with the receiver on HTTPS; every loop is bounded in count and time.
 */
final class AlertBench {

  private AlertBench() {
  }

  static void run(List<Row> rows, int samples) throws Exception {
    try (Lab lab = Lab.start(LabOptions.defaults().name("bench-alerts").nodes(2))) {
      ChartRelease chart = ChartRelease.install(lab, AlertSender.chartValues());
      AlertSender sender = new AlertSender(lab);
      try (OperatorMain.Running operator = chart.startOperator(sender.operatorConfig())) {
        sender.receiverPort(operator.alertsPort());
        latency(lab, sender, rows, samples);
        flood(lab, sender, operator, rows);
      }
    }
  }

  private static CheckpointPolicySpec everyAlert(int dedupSeconds, int perHour) {
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    FalcoSelector falco = new FalcoSelector();
    falco.setRules(List.of("Terminal shell in container"));
    spec.setFalco(falco);
    spec.setDedupWindowSeconds(dedupSeconds);
    spec.setMaxCheckpointsPerHour(perHour);
    return spec;
  }

  private static byte[] alertFor(String namespace, String pod) {
    return AlertSender.seedAlertFor(namespace, pod, "app");
  }

  private static void latency(Lab lab, AlertSender sender, List<Row> rows, int samples) throws Exception {
    Bench.say("(e) alert-to-object latency: " + samples + " alerts, each creating an object, vs " + samples
        + " plain creates");
    String ns = "bench-e";
    int pods = 10;
    for (int i = 0; i < pods; i++) {
      lab.createRunningPod(ns, "p-" + i, lab.nodes().get(i % 2), "app");
    }
    // no dedup window: every alert creates an object
    AlertSender.createPolicy(lab, ns, "every-alert", everyAlert(0, 1000));
    List<Long> alertNanos = new ArrayList<>();
    for (int i = -20; i < samples; i++) { // 20 warm-up alerts are not counted
      byte[] body = alertFor(ns, "p-" + Math.floorMod(i, pods));
      long start = System.nanoTime();
      String outcome = AlertSender.outcome(sender.post(body));
      long took = System.nanoTime() - start;
      if (!outcome.equals("Created")) {
        throw new IllegalStateException("alert " + i + " answered " + outcome);
      }
      if (i >= 0) {
        alertNanos.add(took);
      }
    }
    Checkpoints fcps = new Checkpoints(lab.adminClient());
    List<Long> createNanos = new ArrayList<>();
    for (int i = -20; i < samples; i++) {
      long start = System.nanoTime();
      fcps.create(ns, "plain-" + (i + 20), "p-" + Math.floorMod(i, pods), "app");
      long took = System.nanoTime() - start;
      if (i >= 0) {
        createNanos.add(took);
      }
    }
    double a50 = Bench.percentile(alertNanos, 50);
    double a99 = Bench.percentile(alertNanos, 99);
    double c50 = Bench.percentile(createNanos, 50);
    double c99 = Bench.percentile(createNanos, 99);
    rows.add(new Row("e", "alert POST to ForensicCheckpoint created, p50 / p99 (" + samples + " alerts, HTTPS,"
        + " one connection)", fmt(a50) + " / " + fmt(a99), "plain create by a client p50 / p99: " + fmt(c50) + " / "
        + fmt(c99) + String.format(Locale.ROOT, " (ratio p99 %.1fx)", a99 / c99), "p99 < 100 ms", a99 < 100
        ? "met" : "NOT met"));
  }

  private static void flood(Lab lab, AlertSender sender, OperatorMain.Running operator, List<Row> rows)
      throws Exception {
    int pods = 50;
    int alerts = 10_000;
    int cap = 20;
    Bench.say("(e) alert flood: " + alerts + " alerts on " + pods + " pods, 16 senders, cap " + cap + "/hour");
    String ns = "bench-e-flood";
    for (int i = 0; i < pods; i++) {
      lab.createPod(lab.podSpec(ns, "pod-" + i, lab.nodes().get(i % 2), "app").build());
    }
    for (int i = 0; i < pods; i++) {
      lab.awaitPod(ns, "pod-" + i, Lab::isRunningAndReady, Duration.ofSeconds(90));
    }
    AlertSender.createPolicy(lab, ns, "flood", everyAlert(600, cap));
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      bodies.add(alertFor(ns, "pod-" + i));
    }
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long heapBefore = rt.totalMemory() - rt.freeMemory();
    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long start = System.nanoTime();
    ExecutorService senders = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        running.add(senders.submit(() -> {
          int i;
          while ((i = next.getAndIncrement()) < alerts && System.nanoTime() < deadline) {
            outcomes.computeIfAbsent(AlertSender.outcome(sender.post(bodies.get(i % pods))), k -> new LongAdder())
                .increment();
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      senders.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.gc();
    long heapAfter = rt.totalMemory() - rt.freeMemory();
    Map<String, Long> counts = new TreeMap<>();
    outcomes.forEach((k, v) -> counts.put(k, v.sum()));
    long answered = counts.values().stream().mapToLong(Long::longValue).sum();
    int objects = lab.adminClient().resources(ForensicCheckpoint.class).inNamespace(ns).list().getItems().size();
    rows.add(new Row("e", "flood: " + alerts + " alerts on " + pods + " pods, 16 HTTPS senders",
        String.format(Locale.ROOT, "%d answered in %.2f s (%.0f/s)", answered, seconds, answered / seconds),
        "outcomes " + counts + "; objects created " + objects + " (cap " + cap + ")", "10,000 in <= 10 s, exactly "
        + cap + " objects", answered == alerts && seconds <= 10 && objects == cap ? "met" : "NOT met"));
    rows.add(new Row("e", "flood: dedup entries held / heap of this JVM after minus before (GC'd)",
        operator.alertDedupKeys() + String.format(Locale.ROOT, " / %+.1f MiB", (heapAfter - heapBefore) / 1048576.0),
        "operator and lab share this JVM", "bounded", "info"));
  }

  private static String fmt(double millis) {
    return String.format(Locale.ROOT, "%.1f ms", millis);
  }
}
