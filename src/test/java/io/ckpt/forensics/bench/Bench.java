package io.ckpt.forensics.bench;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.cluster.ChartRelease;
import io.ckpt.forensics.cluster.Checkpoints;
import io.ckpt.forensics.cluster.OperatorProcess;
import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.HttpResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark of issue 5 (operator/bench runs it inside the lab's network namespace): (a) overhead
 * of a ForensicCheckpoint over the same kubelet call made by hand through the node proxy, (b)
 * throughput across 50 nodes against the ideal makespan and against a baseline made in the same run
 * ({@link ProxyBaseline}), with what each object cost the operator: the API requests it made (the
 * API server's {@link AuditLog}), its CPU, and the Events stored ({@link StoredEvents}) and dropped,
 * (c) operator memory with 1000 nodes and 1k vs 10k pods, (d) start-up time to ready. The operator
 * runs in a JVM of its own, as the chart's ServiceAccount, with the JVM settings the image gets in
 * the chart's pod ({@link #IMAGE_JVM}). Every loop is bounded in count and time; all traffic stays
 * in the lab's namespace. Prints a Markdown table and writes it to BUILD_DIR/bench/results.md.
 *
 * <pre>operator/bench [--only=a,b,c,d,e] [--objects=200] [--throughput-objects=1000] [--operator-jvm='...']</pre>
 */
public final class Bench {

  /**
   * The image's JVM flags (pom.xml, Jib jvmFlags) as in the chart's pod: -XX:MaxRAM stands for the
   * container's memory limit (helm/values.yaml), which sizes the heap there. OperatorJvmFlagsTest
   * checks that these are the shipped ones.
   */
  static final List<String> IMAGE_JVM = List.of("-XX:MaxRAM=320m", "-XX:MaxRAMPercentage=40", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=96m");
  static List<String> operatorJvm = IMAGE_JVM;
  static final Duration WAIT = Duration.ofMinutes(5);
  /** At least the operator's gap between two calls to one container (1.1 s), with room. */
  static final Duration SAME_CONTAINER_GAP = Duration.ofSeconds(2);

  /** One line of the results table. */
  record Row(String scenario, String measure, String value, String reference, String target, String met) {
  }

  private final List<Row> rows = new ArrayList<>();
  private final Path buildDir;

  private Bench(Path buildDir) {
    this.buildDir = buildDir;
  }

  public static void main(String[] args) throws Exception {
    Set<String> only = new LinkedHashSet<>(List.of("a", "b", "c", "d", "e"));
    int objects = 200;
    int throughputObjects = 1000;
    for (String arg : args) {
      if (arg.startsWith("--only=")) {
        only = new LinkedHashSet<>(List.of(arg.substring(7).split(",")));
      } else if (arg.startsWith("--objects=")) {
        objects = Integer.parseInt(arg.substring(10));
      } else if (arg.startsWith("--operator-jvm=")) {
        operatorJvm = List.of(arg.substring(15).split(" "));
      } else if (arg.startsWith("--throughput-objects=")) {
        throughputObjects = Integer.parseInt(arg.substring(21));
      } else {
        System.err.println("usage: operator/bench [--only=a,b,c,d,e] [--objects=200] [--throughput-objects=1000]"
            + " [--operator-jvm='-XX:MaxRAM=320m -XX:MaxRAMPercentage=40 ...']");
        System.exit(2);
      }
    }
    Lab.unavailableReason().ifPresent(reason -> {
      System.err.println("bench: cannot start the lab: " + reason);
      System.exit(3);
    });
    Path buildDir = Path.of(System.getProperty("operator.build.dir", "target"));
    Bench bench = new Bench(buildDir);
    long t0 = System.nanoTime();
    if (only.contains("a") || only.contains("d")) {
      try (Lab lab = Lab.start(LabOptions.defaults().name("bench-overhead").nodes(1))) {
        ChartRelease chart = ChartRelease.install(lab, Map.of());
        if (only.contains("a")) {
          bench.overhead(lab, chart, objects);
        }
        if (only.contains("d")) {
          bench.startup(lab, chart, 5);
        }
      }
    }
    if (only.contains("e")) {
      AlertBench.run(bench.rows, objects);
    }
    if (only.contains("b") || only.contains("c")) {
      Path auditDir = buildDir.resolve("bench/audit").toAbsolutePath();
      LabOptions scale = LabOptions.defaults().name("bench-scale").nodes(50);
      AuditLog.apiServerArgs(auditDir).forEach(scale::extraApiServerArg);
      try (Lab lab = Lab.start(scale)) {
        ChartRelease chart = ChartRelease.install(lab, Map.of());
        bench.throughputAndMemory(lab, chart, throughputObjects, only.contains("c"), auditDir);
      }
    }
    String table = bench.table(Duration.ofNanos(System.nanoTime() - t0));
    System.out.println(table);
    Path out = buildDir.resolve("bench/results.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
    System.err.println("bench: written to " + out);
    System.exit(0);
  }

  // ---------------------------------------------------------------- (a) overhead

  private void overhead(Lab lab, ChartRelease chart, int objects) throws Exception {
    say("(a) overhead: " + objects + " objects vs " + objects + " raw proxy calls, instant kubelet");
    SimulatedNode node = lab.node(1);
    String ns = "bench-a";
    int pods = 20;
    for (int i = 0; i < pods; i++) {
      lab.createRunningPod(ns, "p-" + i, node, "app");
    }
    KubernetesClient admin = lab.adminClient();
    try (Completions done = new Completions(admin, ns);
        OperatorProcess operator = startOperator(lab, chart, "bench-a", Map.of("FCP_WATCH_NAMESPACES", ns))) {
      awaitReady(operator.healthPort(Duration.ofSeconds(60)), Duration.ofSeconds(60));
      Checkpoints fcps = new Checkpoints(admin);
      List<Long> fcpMillis = new ArrayList<>();
      for (int i = -20; i < objects; i++) { // 20 warm-up objects are not counted
        String name = "a-" + (i + 20);
        long start = System.nanoTime();
        CompletableFuture<Long> end = done.expect(name);
        fcps.create(ns, name, "p-" + Math.floorMod(i, pods), "app");
        long finished = end.get(60, TimeUnit.SECONDS);
        if (done.phase(name) != CheckpointPhase.Succeeded) {
          throw new IllegalStateException(name + " ended " + done.phase(name));
        }
        if (i >= 0) {
          fcpMillis.add(finished - start);
        }
      }
      // the same kubelet call by hand: POST through the node proxy with a client that never retries
      KubernetesClient raw = lab.client(lab.adminConfig().withRequestRetryBackoffLimit(0).build());
      List<Long> rawMillis = new ArrayList<>();
      for (int i = -20; i < objects; i++) {
        long start = System.nanoTime();
        HttpResult r = lab.proxyCheckpoint(raw, node.name(), ns, "p-" + Math.floorMod(i, pods), "app", 60);
        long took = System.nanoTime() - start;
        if (r.status() != 200) {
          throw new IllegalStateException("raw call answered " + r);
        }
        if (i >= 0) {
          rawMillis.add(took);
        }
      }
      List<Long> kubectlMillis = new ArrayList<>();
      Path empty = Files.createTempFile("empty", ".json");
      for (int i = 0; i < 20; i++) {
        long start = System.nanoTime();
        ExecResult r = lab.kubectl("create", "--raw", "/api/v1/nodes/" + node.name() + "/proxy/checkpoint/" + ns
            + "/p-" + i + "/app?timeout=60", "-f", empty.toString());
        long took = System.nanoTime() - start;
        if (r.exitCode() != 0) {
          say("kubectl create --raw failed: " + r);
          break;
        }
        kubectlMillis.add(took);
      }
      double fcp50 = percentile(fcpMillis, 50);
      double fcp99 = percentile(fcpMillis, 99);
      double raw50 = percentile(rawMillis, 50);
      double raw99 = percentile(rawMillis, 99);
      rows.add(new Row("a", "create-to-Succeeded, p50 / p99 (" + objects + " objects)", ms(fcp50) + " / " + ms(fcp99),
          "raw proxy POST p50 / p99: " + ms(raw50) + " / " + ms(raw99), "", ""));
      rows.add(new Row("a", "overhead p50 (object minus raw call)", ms(fcp50 - raw50), "", "<= 50 ms",
          met(fcp50 - raw50 <= 50)));
      rows.add(new Row("a", "overhead p99 (object minus raw call)", ms(fcp99 - raw99), "", "<= 200 ms",
          met(fcp99 - raw99 <= 200)));
      if (!kubectlMillis.isEmpty()) {
        rows.add(new Row("a", "`kubectl create --raw` by hand, p50 (" + kubectlMillis.size() + " calls)",
            ms(percentile(kubectlMillis, 50)), "includes kubectl's process start", "", "info"));
      }
    }
  }

  // ---------------------------------------------------------------- (d) startup

  private void startup(Lab lab, ChartRelease chart, int runs) throws Exception {
    say("(d) startup: process start to /readyz 200, " + runs + " runs");
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      int port = freePort();
      long start = System.nanoTime();
      try (OperatorProcess operator = startOperator(lab, chart, "bench-d-" + i,
          Map.of("FCP_HEALTH_PORT", "" + port, "FCP_WATCH_NAMESPACES", "bench-d"))) {
        awaitReady(port, Duration.ofSeconds(60));
        nanos.add(System.nanoTime() - start);
      }
    }
    double median = percentile(nanos, 50);
    rows.add(new Row("d", "process start to ready, median / max (" + runs + " runs)",
        ms(median) + " / " + ms(Collections.max(nanos) / 1e6), "", "<= 3 s", met(median <= 3000)));
  }

  // ---------------------------------------------------------------- (b) throughput, (c) memory

  private void throughputAndMemory(Lab lab, ChartRelease chart, int objects, boolean memory, Path auditDir)
      throws Exception {
    List<SimulatedNode> nodes = lab.nodes();
    int perNode = (objects + nodes.size() - 1) / nodes.size();
    String ns = "bench-b";
    say("(b) throughput: " + objects + " objects on " + nodes.size() + " nodes, 200 ms per kubelet call, per-node"
        + " limit 1; creating " + perNode * nodes.size() + " pods");
    nodes.forEach(n -> n.setLatency(Duration.ofMillis(200)));
    List<String> targets = new ArrayList<>();
    Map<String, String> nodeOfPod = new java.util.HashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> creating = new ArrayList<>();
      lab.createNamespace(ns);
      for (SimulatedNode node : nodes) {
        for (int i = 0; i < perNode; i++) {
          String pod = node.name() + "-p" + i;
          targets.add(pod);
          nodeOfPod.put(pod, node.name());
          creating.add(pool.submit(() -> lab.createPod(lab.podSpec(ns, pod, node, "app").build())));
        }
      }
      for (Future<?> f : creating) {
        f.get(5, TimeUnit.MINUTES);
      }
      awaitRunningPods(lab, ns, targets.size(), Duration.ofMinutes(5));
      KubernetesClient admin = lab.adminClient();
      List<String> measured = targets.subList(0, objects);
      Map<String, List<String>> podsByNode = new java.util.LinkedHashMap<>();
      measured.forEach(pod -> podsByNode.computeIfAbsent(nodeOfPod.get(pod), n -> new ArrayList<>()).add(pod));
      String operatorUser = "system:serviceaccount:" + ChartRelease.NAMESPACE + ":" + ChartRelease.SERVICE_ACCOUNT;
      double ideal = objects * 0.2 / nodes.size();
      try (Completions done = new Completions(admin, ns)) {
        ProxyBaseline.Result baseline = baseline(lab, chart, ns, podsByNode, auditDir, operatorUser, ideal);
        // the operator's gap between two calls to one container cannot see the baseline's calls: wait it out
        // here, so that no container is checkpointed twice within the kubelet's one-second archive names
        Thread.sleep(SAME_CONTAINER_GAP.toMillis());
        nodes.forEach(SimulatedNode::clearCalls);
        int collisionsBefore = nodes.stream().mapToInt(SimulatedNode::archiveNameCollisions).sum();
        // one namespace: its limit must not be what caps the throughput measured
        Map<String, String> env = Map.of("FCP_WATCH_NAMESPACES", ns, "FCP_MAX_CONCURRENT", "100",
            "FCP_MAX_CONCURRENT_PER_NAMESPACE", "100");
        try (OperatorProcess operator = startOperator(lab, chart, "bench-b", env)) {
          int port = operator.healthPort(Duration.ofSeconds(60));
          awaitReady(port, Duration.ofSeconds(60));
          Map<String, Long> pids = new java.util.LinkedHashMap<>(new java.util.TreeMap<>(lab.controlPlanePids()));
          pids.put("operator JVM", operator.pid());
          pids.put("bench JVM (kubelets, client)", ProcessHandle.current().pid());
          AuditLog audit = AuditLog.markNow(auditDir);
          ApiRequestCounts requestsBefore = apiRequests(admin);
          CpuSeconds cpuBefore = CpuSeconds.sample(pids);
          long windowStart = System.nanoTime();
          Duration makespan = createAll(admin, done, ns, "b", measured, pool);
          CpuSeconds cpu = CpuSeconds.sample(pids).since(cpuBefore);
          double window = (System.nanoTime() - windowStart) / 1e9;
          ApiRequestCounts requests = apiRequests(admin).since(requestsBefore);
          double ratio = makespan.toMillis() / 1000.0 / ideal;
          double toBaseline = makespan.toMillis() / (double) Math.max(1, baseline.makespan().toMillis());
          rows.add(new Row("b", "makespan, " + objects + " objects on " + nodes.size() + " nodes (200 ms calls, 1 per"
              + " node)", String.format(Locale.ROOT, "%.2f s", makespan.toMillis() / 1000.0),
              String.format(Locale.ROOT, "ideal %.2f s; ratio %.2fx", ideal, ratio), "<= 1.25x ideal",
              met(ratio <= 1.25)));
          rows.add(new Row("b", "makespan as a ratio to the same-run baseline (plain client, no operator)",
              String.format(Locale.ROOT, "%.2fx", toBaseline), String.format(Locale.ROOT, "operator %.2f s vs"
              + " baseline %.2f s; ratio to the ideal %.2fx", makespan.toMillis() / 1000.0,
              baseline.makespan().toMillis() / 1000.0, ratio), "<= 1.5x baseline", met(toBaseline <= 1.5)));
          int cpus = Runtime.getRuntime().availableProcessors();
          rows.add(new Row("b", "CPU seconds used during the makespan, by process", cpu.describe() + String.format(
              Locale.ROOT, "; lab total %.1f", cpu.total()), String.format(Locale.ROOT, "machine busy %.1f of %.1f"
              + " available (%d CPUs x %.2f s); not the lab: %.1f", cpu.machineBusy(), cpus * window, cpus, window,
              cpu.machineBusy() - cpu.total()), "", "info"));
          rows.add(new Row("b", "API server requests per object (all clients)", String.format(Locale.ROOT, "%.1f",
              requests.total() / objects), requests.perObject(objects, 8), "", "info"));
          perObjectCosts(admin, audit, operator, port, pids, cpuBefore, windowStart, ns, "b", measured,
              operatorUser);
          int collisions = nodes.stream().mapToInt(SimulatedNode::archiveNameCollisions).sum() - collisionsBefore;
          int operatorAtOnce = nodes.stream().mapToInt(SimulatedNode::maxConcurrentCheckpoints).max().orElse(0);
          rows.add(new Row("b", "comparable call patterns: most kubelet calls at once on one node, baseline /"
              + " operator", baseline.maxAtOnceOnANode() + " / " + operatorAtOnce, "archive names reused"
              + " (same container within a second) in the operator run: " + collisions, "1 / 1, none reused",
              met(baseline.maxAtOnceOnANode() == 1 && operatorAtOnce == 1 && collisions == 0)));
          if (memory) {
            memory(lab, admin, done, operator, port, ns, measured, pool);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The baseline of (b): the same kubelet calls as the operator run (same pods and container on the
   * same nodes, one at a time per node) by a plain client with the operator's ServiceAccount token,
   * before the operator starts. Adds its row; the run must answer every call.
   */
  private ProxyBaseline.Result baseline(Lab lab, ChartRelease chart, String ns, Map<String, List<String>> podsByNode,
      Path auditDir, String operatorUser, double ideal) throws Exception {
    int calls = podsByNode.values().stream().mapToInt(List::size).sum();
    say("(b) baseline: " + calls + " checkpoint calls through the node proxy by a plain client, one per node at a"
        + " time, no operator");
    int threads = podsByNode.size();
    // Fabric8 allows 5 requests per host unless told otherwise: every call goes to the one API server
    KubernetesClient raw = lab.client(new io.fabric8.kubernetes.client.ConfigBuilder(chart.operatorClientConfig())
        .withRequestRetryBackoffLimit(0).withMaxConcurrentRequests(threads + 8)
        .withMaxConcurrentRequestsPerHost(threads + 8).build());
    AuditLog audit = AuditLog.markNow(auditDir);
    ProxyBaseline.Result result = ProxyBaseline.run(lab, raw, ns, "app", podsByNode, WAIT);
    if (result.failed() > 0) {
      throw new IllegalStateException("baseline: " + result.failed() + " of " + result.calls() + " calls not answered"
          + " 200, first: " + result.firstFailure());
    }
    audit.readNew();
    ApiRequestCounts made = audit.byUser().getOrDefault(operatorUser, new ApiRequestCounts(Map.of()));
    double seconds = result.makespan().toMillis() / 1000.0;
    rows.add(new Row("b", "baseline: the same " + calls + " kubelet calls by a plain client, no operator",
        String.format(Locale.ROOT, "%.2f s", seconds), String.format(Locale.ROOT, "ratio to the ideal %.2fx;"
        + " Fabric8 (OkHttp) POST /api/v1/nodes/NODE/proxy/checkpoint/%s/POD/app, the ServiceAccount's token, the"
        + " same pods on the same nodes, %d threads (one per node, calls in sequence): includes the proxy hop,"
        + " the kubelet's SubjectAccessReview, the 200 ms call and the archive; not object, watch, status or"
        + " Events; its client sent %s", seconds / ideal, ns, threads, made.perObject(calls, 4)), "", "info"));
    return result;
  }

  /**
   * The rows of what each object cost the operator, from the first create until the operator is
   * quiet (its Events written or dropped): API requests it made (audit log, its user only), its CPU,
   * and the Events a user finds against those it should.
   */
  private void perObjectCosts(KubernetesClient admin, AuditLog audit, OperatorProcess operator, int port,
      Map<String, Long> pids, CpuSeconds cpuBefore, long windowStart, String ns, String prefix, List<String> targets,
      String operatorUser) throws Exception {
    int objects = targets.size();
    boolean quiet = awaitQuiet(audit, operator.pid(), operatorUser, Duration.ofSeconds(60));
    CpuSeconds cpu = CpuSeconds.sample(pids).since(cpuBefore);
    double window = (System.nanoTime() - windowStart) / 1e9;
    audit.readNew();
    Map<String, ApiRequestCounts> byUser = audit.byUser();
    ApiRequestCounts made = byUser.getOrDefault(operatorUser, new ApiRequestCounts(Map.of()));
    String until = String.format(Locale.ROOT, "first create until the operator was quiet (%.1f s%s)", window,
        quiet ? "" : ", still busy after 60 s");
    rows.add(new Row(prefix, "API requests per object made by the operator (audit log, user " + operatorUser + ")",
        String.format(Locale.ROOT, "%.2f", made.total() / objects), made.perObject(objects, 12) + "; " + until,
        "<= 6", met(made.total() / objects <= 6)));
    ApiRequestCounts kubelets = byUser.entrySet().stream().filter(e -> e.getKey().startsWith("system:node:"))
        .map(Map.Entry::getValue).reduce(new ApiRequestCounts(Map.of()), ApiRequestCounts::plus);
    ApiRequestCounts admins = byUser.getOrDefault(Lab.ADMIN_USER, new ApiRequestCounts(Map.of()));
    ApiRequestCounts userCreates = admins.only("create forensiccheckpoints"::equals);
    ApiRequestCounts rest = byUser.entrySet().stream().filter(e -> !e.getKey().equals(operatorUser)
        && !e.getKey().startsWith("system:node:") && !e.getKey().equals(Lab.ADMIN_USER)).map(Map.Entry::getValue)
        .reduce(new ApiRequestCounts(Map.of()), ApiRequestCounts::plus);
    double others = kubelets.total() + admins.total() + rest.total();
    rows.add(new Row(prefix, "API requests per object by the other clients (audit log, same window)",
        String.format(Locale.ROOT, "%.2f", others / objects), String.format(Locale.ROOT, "the user's create %.2f;"
        + " kubelets %.2f (%s); the bench's own watch and reads %.2f; others %.2f (%s)",
        userCreates.total() / objects, kubelets.total() / objects, kubelets.perObject(objects, 3),
        (admins.total() - userCreates.total()) / objects, rest.total() / objects, rest.perObject(objects, 3)),
        "", "info"));
    double operatorCpu = cpu.byProcess().getOrDefault("operator JVM", 0.0);
    rows.add(new Row(prefix, "operator CPU per object", String.format(Locale.ROOT, "%.1f ms", operatorCpu * 1000
        / objects), String.format(Locale.ROOT, "%.2f CPU-s over the %s; includes its JIT and GC; %s", operatorCpu,
        until, cpu.describe()), "half of the run before issue 10", "info"));
    long dropped = eventsDropped(OperatorProcess.get(port, "/metrics").getValue());
    Set<String> names = new java.util.TreeSet<>();
    targets.forEach(pod -> names.add(prefix + "-" + pod));
    StoredEvents events = StoredEvents.list(admin, ns, names);
    long missing = events.objectsMissingAnEvent();
    rows.add(new Row(prefix, "Events per object stored in the API server / expected", String.format(Locale.ROOT,
        "%.2f / %d", events.stored() / (double) objects, events.expectedReasons().size()), String.format(Locale.ROOT,
        "stored %d of %d expected (one of each reason any object has: %s); by reason per object: %s; objects"
        + " missing one: %d; fcp_events_dropped_total %d", events.stored(), events.expected(),
        String.join(", ", events.expectedReasons()), events.perObjectByReason(), missing, dropped),
        "every Event stored, none dropped", met(missing == 0 && dropped == 0 && events.stored() >= events.expected())));
  }

  /**
   * Waits until the operator has made no request but Lease renewals and used under 50 ms of CPU for 2 s
   * (its Events written or dropped), at most {@code limit}; false if it never was.
   */
  private static boolean awaitQuiet(AuditLog audit, long pid, String operatorUser, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    double lastRequests = -1;
    double lastCpu = -1;
    int quietPolls = 0;
    while (System.nanoTime() < deadline) {
      audit.readNew();
      double requests = audit.byUser().getOrDefault(operatorUser, new ApiRequestCounts(Map.of()))
          .only(kind -> !kind.endsWith(" leases")).total();
      double cpu = CpuSeconds.ofProcess(pid);
      quietPolls = requests == lastRequests && cpu - lastCpu < 0.05 ? quietPolls + 1 : 0;
      if (quietPolls >= 2) {
        return true;
      }
      lastRequests = requests;
      lastCpu = cpu;
      Thread.sleep(1000);
    }
    return false;
  }

  /** The operator's fcp_events_dropped_total from its /metrics text (absent until the first drop: 0). */
  static long eventsDropped(String metrics) {
    Matcher m = Pattern.compile("(?m)^fcp_events_dropped_total(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return Math.round(total);
  }

  private void memory(Lab lab, KubernetesClient admin, Completions done, OperatorProcess operator, int port,
      String ns, List<String> targets, ExecutorService pool) throws Exception {
    int realNodes = lab.nodes().size();
    say("(c) memory: adding " + (1000 - realNodes) + " Node objects (1000 nodes in all)");
    List<Future<?>> creating = new ArrayList<>();
    for (int i = realNodes + 1; i <= 1000; i++) {
      String name = "idle-" + i;
      creating.add(pool.submit(() -> admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
          .addToLabels("kubernetes.io/hostname", name).endMetadata().build()).create()));
    }
    for (Future<?> f : creating) {
      f.get(5, TimeUnit.MINUTES);
    }
    long pods1k = admin.pods().inAnyNamespace().list().getItems().size();
    Memory at1k = memory(operator, port, "1k-pods");
    say("(c) " + pods1k + " pods: " + at1k);

    int extra = 10_000 - (int) pods1k;
    say("(c) adding " + extra + " pods on idle nodes, then " + targets.size() + " more objects");
    creating.clear();
    String idleNs = "bench-idle";
    lab.createNamespace(idleNs);
    for (int i = 0; i < extra; i++) {
      String pod = "idle-" + i;
      String node = "idle-" + (realNodes + 1 + i % (1000 - realNodes));
      creating.add(pool.submit(() -> admin.pods().inNamespace(idleNs).resource(new io.fabric8.kubernetes.api.model
          .PodBuilder().withNewMetadata().withName(pod).endMetadata().withNewSpec().withNodeName(node)
          .addNewContainer().withName("app").withImage(Lab.DEFAULT_IMAGE).endContainer().endSpec().build()).create()));
    }
    for (Future<?> f : creating) {
      f.get(10, TimeUnit.MINUTES);
    }
    long pods10k = admin.pods().inAnyNamespace().list().getItems().size();
    Memory at10k = memory(operator, port, "10k-pods");
    say("(c) " + pods10k + " pods, same " + targets.size() + " objects: " + at10k);
    createAll(admin, done, ns, "c", targets, pool);
    Memory moreObjects = memory(operator, port, "10k-pods-more-objects");
    say("(c) " + pods10k + " pods, " + 2 * targets.size() + " objects: " + moreObjects);
    rows.add(new Row("c", "heap after GC, 1000 nodes and " + targets.size() + " objects: " + pods1k + " vs "
        + pods10k + " pods", mib(at1k.heapAfterGc()) + " / " + mib(at10k.heapAfterGc()),
        "with " + 2 * targets.size() + " objects: " + mib(moreObjects.heapAfterGc()), "not growing with pods",
        met(at10k.heapAfterGc() < at1k.heapAfterGc() * 1.1 + 4L * 1024 * 1024)));
    rows.add(new Row("c", "RSS, 1000 nodes: " + pods1k + " vs " + pods10k + " pods", mib(at1k.rss()) + " / "
        + mib(at10k.rss()), "peak RSS " + mib(moreObjects.peakRss()) + " (VmHWM, after " + 2 * targets.size()
        + " objects)", "<= 256 MiB", met(moreObjects.peakRss() <= 256L * 1024 * 1024)));
  }

  /** Creates one object per target pod from a pool; returns first create to last terminal. */
  private static Duration createAll(KubernetesClient admin, Completions done, String ns, String prefix,
      List<String> targets, ExecutorService pool) throws Exception {
    Checkpoints fcps = new Checkpoints(admin);
    List<CompletableFuture<Long>> ends = new ArrayList<>();
    List<Future<?>> creating = new ArrayList<>();
    long start = System.nanoTime();
    for (String pod : targets) {
      String name = prefix + "-" + pod;
      ends.add(done.expect(name));
      creating.add(pool.submit(() -> fcps.create(ns, name, pod, "app")));
    }
    for (Future<?> f : creating) {
      f.get(5, TimeUnit.MINUTES);
    }
    long last = start;
    for (CompletableFuture<Long> end : ends) {
      last = Math.max(last, end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }
    long failed = targets.stream().filter(p -> done.phase(prefix + "-" + p) != CheckpointPhase.Succeeded).count();
    if (failed > 0) {
      say(failed + " of " + targets.size() + " objects did not succeed");
    }
    return Duration.ofNanos(last - start);
  }

  // ---------------------------------------------------------------- helpers

  private static ApiRequestCounts apiRequests(KubernetesClient admin) {
    return ApiRequestCounts.parse(Lab.request(admin, "GET", "/metrics", Duration.ofSeconds(30)).body());
  }

  /** Peak and current RSS of the operator process and its heap after a full GC, in bytes. */
  record Memory(long rss, long peakRss, long heapAfterGc) {
    @Override
    public String toString() {
      return "RSS " + mib(rss) + ", peak " + mib(peakRss) + ", heap after GC " + mib(heapAfterGc);
    }
  }

  private Memory memory(OperatorProcess operator, int port, String label) throws Exception {
    ExecResultLike gc = jcmd(operator.pid(), "GC.run");
    if (!gc.ok()) {
      say("jcmd GC.run failed (" + gc.text() + "); heap is measured without a forced GC");
    }
    Thread.sleep(500);
    String metrics = OperatorProcess.get(port, "/metrics").getValue();
    long heap = 0;
    Matcher m = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\",[^}]*\\} ([0-9.eE+-]+)$").matcher(metrics);
    while (m.find()) {
      heap += (long) Double.parseDouble(m.group(1));
    }
    String status = Files.readString(Path.of("/proc/" + operator.pid() + "/status"));
    nativeMemory(operator, label, statusField(status, "Threads"));
    return new Memory(statusField(status, "VmRSS") * 1024, statusField(status, "VmHWM") * 1024, heap);
  }

  /**
   * When the operator JVM runs with -XX:NativeMemoryTracking, writes what its memory is made of to
   * BUILD_DIR/bench/nmt-LABEL.txt (threads by name, the NMT summary, the largest heap classes) and
   * logs the committed total: that says where RSS goes.
   */
  private void nativeMemory(OperatorProcess operator, String label, long threads) throws IOException {
    if (operatorJvm.stream().noneMatch(o -> o.startsWith("-XX:NativeMemoryTracking="))) {
      return;
    }
    ExecResultLike nmt = jcmd(operator.pid(), "VM.native_memory summary");
    String histogram = jcmd(operator.pid(), "GC.class_histogram").text().lines().limit(25)
        .collect(java.util.stream.Collectors.joining("\n"));
    Path out = buildDir.resolve("bench/nmt-" + label + ".txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, "threads: " + threads + " " + threadNames(operator.pid()) + "\n" + nmt.text() + "\n\n"
        + histogram + "\n");
    Matcher total = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(nmt.text());
    say("(c) NMT " + label + ": committed " + (total.find() ? total.group(1) + " KB" : "?") + ", " + threads
        + " threads; summary in " + out);
  }

  /** Thread counts by name with digits dropped ("pool-#-thread-#"), from /proc/PID/task/{@literal *}/comm. */
  private static Map<String, Long> threadNames(long pid) throws IOException {
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      return tasks.map(t -> {
        try {
          return Files.readString(t.resolve("comm")).strip().replaceAll("\\d+", "#");
        } catch (IOException gone) {
          return "(exited)";
        }
      }).collect(java.util.stream.Collectors.groupingBy(n -> n, java.util.TreeMap::new,
          java.util.stream.Collectors.counting()));
    }
  }

  record ExecResultLike(boolean ok, String text) {
  }

  private static ExecResultLike jcmd(long pid, String command) {
    try {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), "" + pid,
          command).redirectErrorStream(true).start();
      boolean finished = p.waitFor(60, TimeUnit.SECONDS);
      String out = new String(p.getInputStream().readAllBytes());
      return new ExecResultLike(finished && p.exitValue() == 0, out.strip());
    } catch (IOException e) {
      return new ExecResultLike(false, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ExecResultLike(false, e.toString());
    }
  }

  /** A number from /proc/PID/status (the Vm* fields are in kB). */
  private static long statusField(String procStatus, String key) {
    Matcher m = Pattern.compile("(?m)^" + key + ":\\s+(\\d+)").matcher(procStatus);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private OperatorProcess startOperator(Lab lab, ChartRelease chart, String name, Map<String, String> env) {
    Path kubeconfig = chart.operatorKubeconfig(lab.runDir().resolve("operator-sa.kubeconfig"));
    Map<String, String> all = new java.util.HashMap<>(Map.of("FCP_DEFAULT_TIMEOUT_SECONDS", "60"));
    all.putAll(env);
    return OperatorProcess.start(kubeconfig, lab.runDir().resolve(name + ".log"), all, operatorJvm);
  }

  private static void awaitReady(int port, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (OperatorProcess.get(port, "/readyz").getKey() == 200) {
          return;
        }
      } catch (IOException notListening) {
        // not yet
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("operator on port " + port + " not ready within " + timeout);
  }

  private static void awaitRunningPods(Lab lab, String ns, int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long running = 0;
    while (System.nanoTime() < deadline) {
      running = lab.adminClient().pods().inNamespace(ns).list().getItems().stream().filter(Lab::isRunningAndReady)
          .count();
      if (running >= count) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(running + " of " + count + " pods running after " + timeout);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Nanosecond samples in; the percentile in milliseconds out (nearest rank). */
  static double percentile(List<Long> nanos, int p) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1)) / 1e6;
  }

  private static String ms(double millis) {
    return millis >= 1000 ? String.format(Locale.ROOT, "%.2f s", millis / 1000)
        : String.format(Locale.ROOT, "%.1f ms", millis);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / 1024.0 / 1024.0);
  }

  private static String met(boolean met) {
    return met ? "met" : "NOT met";
  }

  private String table(Duration took) {
    StringBuilder b = new StringBuilder();
    b.append("## ForensicCheckpoint benchmark (operator/bench)\n\n");
    b.append("Lab on this machine: real kube-apiserver and etcd, simulated kubelets, operator in its own JVM (")
        .append(String.join(" ", operatorJvm)).append(", transport proxy) as the chart's ServiceAccount; ")
        .append(Runtime.getRuntime().availableProcessors()).append(" CPUs shared by everything; run took ")
        .append(took.toSeconds()).append(" s. In (b) the API server writes an audit log (Metadata level) that"
            + " attributes each request to its client; \"not the lab\" is the CPU other work on the machine used.\n\n");
    b.append("| scenario | measure | value | reference | target | |\n|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      b.append("| ").append(r.scenario()).append(" | ").append(r.measure()).append(" | ").append(r.value())
          .append(" | ").append(r.reference()).append(" | ").append(r.target()).append(" | ").append(r.met())
          .append(" |\n");
    }
    return b.toString();
  }

  static void say(String line) {
    System.err.println("bench: " + line);
  }

  /** Watches ForensicCheckpoints of a namespace and completes a future when each reaches a terminal phase. */
  static final class Completions implements AutoCloseable {
    private final Map<String, CompletableFuture<Long>> ends = new ConcurrentHashMap<>();
    private final Map<String, CheckpointPhase> phases = new ConcurrentHashMap<>();
    private final SharedIndexInformer<ForensicCheckpoint> informer;

    Completions(KubernetesClient client, String namespace) {
      informer = client.resources(ForensicCheckpoint.class).inNamespace(namespace).inform(new ResourceEventHandler<>() {
        @Override
        public void onAdd(ForensicCheckpoint fcp) {
          seen(fcp);
        }

        @Override
        public void onUpdate(ForensicCheckpoint old, ForensicCheckpoint fcp) {
          seen(fcp);
        }

        @Override
        public void onDelete(ForensicCheckpoint fcp, boolean unknown) {
          // nothing
        }
      }, 0);
    }

    private void seen(ForensicCheckpoint fcp) {
      long now = System.nanoTime();
      if (fcp.getStatus() != null && fcp.getStatus().getPhase() != null && fcp.getStatus().getPhase().isTerminal()) {
        String name = fcp.getMetadata().getName();
        phases.putIfAbsent(name, fcp.getStatus().getPhase());
        expect(name).complete(now);
      }
    }

    CompletableFuture<Long> expect(String name) {
      return ends.computeIfAbsent(name, n -> new CompletableFuture<>());
    }

    CheckpointPhase phase(String name) {
      return phases.get(name);
    }

    @Override
    public void close() {
      informer.close();
    }
  }
}
