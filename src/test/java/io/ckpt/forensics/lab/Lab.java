package io.ckpt.forensics.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.junit.jupiter.api.Assumptions;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A real Kubernetes control plane on this machine (etcd + kube-apiserver built from source by
 * operator/provision) with simulated kubelet nodes ({@link SimulatedNode}). It must run inside the
 * network namespace of {@code operator/lab/in-netns} (failsafe forks the cluster-test JVM through
 * it); the API server listens on https://198.18.0.1:6443, node N on https://198.18.0.(10+N):10250.
 *
 * <pre>
 * // JUnit: annotate the class with @RequiresLab, start the lab in @BeforeAll
 * try (Lab lab = Lab.start(LabOptions.defaults().nodes(2))) {
 *   lab.createRunningPod("dev", "nettools", lab.node(1), "nettools");
 *   HttpResult r = lab.proxyCheckpoint(lab.adminClient(), "worker-1", "dev", "nettools", "nettools", 60);
 * }
 * </pre>
 *
 * There is no controller-manager and no scheduler: pods are created with spec.nodeName (only pods
 * of the operator's image that come without one are bound, by {@link LabScheduler}), the lab
 * creates the {@code default} ServiceAccount and {@code kube-root-ca.crt} in every namespace,
 * namespaces are never finalized after deletion and ownerReferences are not garbage-collected.
 * Files: {@code <labDir>/<timestamp>-<name>/} (logs, pki/, admin.kubeconfig, nodes/NAME/checkpoints/).
 *
 * <p>This class is the tests' handle; the jobs are done by its parts: {@link ControlPlane} (etcd and
 * kube-apiserver), {@link LabPki} (certificates), {@link LabClients} (clients and kubeconfigs),
 * {@link NamespaceBasics} and {@link LabFixtures} (namespaces, ServiceAccounts, pods),
 * {@link LabRequests} (raw HTTP), {@link LabRunDirectory} (files and log).
 */
public final class Lab implements AutoCloseable {

  public static final String KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";
  public static final String ADMIN_USER = "lab-admin";
  public static final String SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc";
  public static final String SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16";
  public static final String DEFAULT_IMAGE = "nginx:1.27";

  private final LabOptions options;
  private final Map<String, Long> timings = Collections.synchronizedMap(new LinkedHashMap<>());
  private final List<SimulatedNode> nodes = new CopyOnWriteArrayList<>();
  private final List<RealKubeletNode> realNodes = new CopyOnWriteArrayList<>();
  private LabBinaries binaries;
  private LabScheduler scheduler;
  private LabRunDirectory run;
  private LabPki pki;
  private ControlPlane controlPlane;
  private LabClients clients;
  private KubernetesClient adminClient;
  private NamespaceBasics namespaceBasics;
  private LabFixtures fixtures;
  private LabRequests requests;
  private Thread shutdownHook;
  private volatile boolean closed;

  private Lab(LabOptions options) {
    this.options = options;
  }

  // ================================================================ start / stop

  /** Why a lab cannot run in this JVM, or empty. */
  public static Optional<String> unavailableReason() {
    return LabNetwork.unavailableReason(0);
  }

  /** Whether a lab can run in this JVM (see {@link #unavailableReason()}). */
  public static boolean isAvailable() {
    return unavailableReason().isEmpty();
  }

  /**
   * JUnit: aborts the calling test with the reason when no lab can run here, or fails it under
   * FCP_LAB_REQUIRED=true ({@link LabAvailability}). Prefer {@link RequiresLab} on the class: it decides
   * before {@code @BeforeAll}, where an abort reports nothing.
   */
  public static void assumeAvailable() {
    Optional<String> reason = unavailableReason();
    if (reason.isPresent() && (LabAvailability.required() || !reasonPrinted)) {
      reasonPrinted = true;
      LabAvailability.requireOrReport("cluster tests", reason.get());
    }
    Assumptions.assumeTrue(reason.isEmpty(), () -> "lab unavailable: " + reason.orElse(""));
  }

  private static volatile boolean reasonPrinted;

  /** Starts etcd, kube-apiserver and the nodes; throws {@link LabUnavailableException} outside the namespace. */
  public static Lab start(LabOptions options) {
    LabNetwork.unavailableReason(options.nodes() + options.realNodes()).ifPresent(r -> {
      throw new LabUnavailableException(r);
    });
    Lab lab = new Lab(options);
    try {
      lab.boot();
      return lab;
    } catch (RuntimeException | Error e) {
      try {
        lab.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private void boot() {
    long t0 = System.nanoTime();
    Path projectRoot = LabBinaries.projectRoot();
    binaries = options.binDir() != null ? new LabBinaries(options.binDir()) : LabBinaries.locate(projectRoot);
    run = LabRunDirectory.create(options, projectRoot);
    shutdownHook = new Thread(() -> {
      // never let a stuck close() keep a dying JVM (and so the namespace) alive
      Thread watchdog = new Thread(() -> {
        sleep(30_000);
        Runtime.getRuntime().halt(3);
      }, "lab-shutdown-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      close();
    }, "lab-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    log("run dir " + runDir() + ", binaries " + binaries.dir());
    long t = System.nanoTime();
    pki = LabPki.create(runDir().resolve("pki"), options.apiServerKubeletClientGroups());
    controlPlane = new ControlPlane(options, binaries, runDir(), pki);
    clients = new LabClients(controlPlane.apiServerUrl(), pki);
    requests = new LabRequests(pki.kubeletCa());
    writeKubeconfig(adminKubeconfig(), null);
    // for operator/lab/enter
    Pki.write(runDir().resolve("lab.env"), "export KUBECONFIG=" + adminKubeconfig() + "\n"
        + "export PATH=" + binaries.dir() + ":$PATH\n"
        + "export FCP_LAB_RUN=" + runDir() + "\n");
    timings.put("pki", millisSince(t));

    t = System.nanoTime();
    controlPlane.startEtcd();
    timings.put("etcd", millisSince(t));

    t = System.nanoTime();
    controlPlane.startApiServer();
    timings.put("apiserver", millisSince(t));

    t = System.nanoTime();
    adminClient = client(adminConfig().build());
    bootstrap();
    timings.put("bootstrap", millisSince(t));

    t = System.nanoTime();
    startNodes();
    startRealNodes();
    scheduler = new LabScheduler(adminClient, () -> nodes, this::log);
    scheduler.start();
    timings.put("nodes", millisSince(t));
    timings.put("total", millisSince(t0));
    log("lab up in " + timings.get("total") + " ms " + timings + ": " + apiServerUrl() + ", nodes " + nodes
        + (realNodes.isEmpty() ? "" : ", real nodes " + realNodes));
  }

  private void bootstrap() {
    if (options.bindKubeadmClusterAdmins()) {
      // kubeadm 1.29+: the API server's kubelet client carries this group, bound to cluster-admin
      ignoreConflict(() -> adminClient.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
          .withNewMetadata().withName(LabOptions.KUBEADM_CLUSTER_ADMINS).endMetadata()
          .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("cluster-admin")
          .endRoleRef()
          .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
          .withName(LabOptions.KUBEADM_CLUSTER_ADMINS).endSubject()
          .build()).create());
    }
    namespaceBasics = new NamespaceBasics(adminClient, pki.clusterCa().certPem(), this::log);
    namespaceBasics.start();
    fixtures = new LabFixtures(adminClient, namespaceBasics);
  }

  private void startNodes() {
    int n = options.nodes();
    if (n == 0) {
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(4, n));
    try {
      List<CompletableFuture<SimulatedNode>> futures = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        int index = i;
        futures.add(CompletableFuture.supplyAsync(() -> newNode(index), pool));
      }
      for (CompletableFuture<SimulatedNode> f : futures) {
        try {
          nodes.add(f.get(options.startTimeout().toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
          throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
          throw new IllegalStateException("nodes did not start within " + options.startTimeout(), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      nodes.sort(Comparator.comparingInt(SimulatedNode::index));
    } finally {
      pool.shutdown();
    }
  }

  /** One after the other (each registers and turns Ready in about 1.5 s); addresses after the simulated nodes'. */
  private void startRealNodes() {
    if (options.realNodes() == 0) {
      return;
    }
    Path binary = binaries.realKubelet();
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("real-kubelet missing or not executable: " + binary
          + " (operator/provision builds it; run it again)");
    }
    for (int i = 1; i <= options.realNodes(); i++) {
      String name = "real-" + i;
      int addressIndex = options.nodes() + i;
      RealKubeletNode node = new RealKubeletNode(this, addressIndex, name, runDir().resolve("nodes").resolve(name),
          pki.forNode(name, LabNetwork.nodeAddress(addressIndex)), pki.file("ca.crt"), binary,
          options.realNodeRuntimeRequestTimeout(), options.checkpointGate());
      realNodes.add(node);
      long t = System.nanoTime();
      node.start(options.startTimeout());
      log("real node " + node + " Ready in " + millisSince(t) + " ms (pid " + node.pid() + ")");
    }
  }

  private SimulatedNode newNode(int index) {
    String name = options.nodeNamePrefix() + index;
    LabPki.NodeIdentities ids = pki.forNode(name, LabNetwork.nodeAddress(index));
    SimulatedNode node = new SimulatedNode(this, index, name, runDir().resolve("nodes").resolve(name),
        options.kubeletRootDir(), options.checkpointGate(), ids.client(), ids.serving(), ids.rogueServing(),
        pki.clusterCa().cert());
    try {
      node.start();
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  /** Stops nodes, API server and etcd (SIGTERM, then SIGKILL). Logs and certificates stay in the run dir. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long t = System.nanoTime();
    if (scheduler != null) {
      scheduler.close();
    }
    for (RealKubeletNode node : realNodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        log("closing " + node + ": " + e);
      }
    }
    for (SimulatedNode node : nodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        log("closing " + node + ": " + e);
      }
    }
    if (namespaceBasics != null) {
      namespaceBasics.close();
    }
    if (clients != null) {
      clients.close();
    }
    if (controlPlane != null) {
      controlPlane.stop();
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // JVM shutting down
      }
    }
    if (run != null) {
      log("lab closed in " + millisSince(t) + " ms");
    }
  }

  // ================================================================ API server control

  /** Stops and starts kube-apiserver with the same data and flags; waits until /readyz. */
  public void restartApiServer() {
    long t = System.nanoTime();
    stopApiServer();
    startApiServer();
    log("kube-apiserver restarted in " + millisSince(t) + " ms");
  }

  /** Stops kube-apiserver (SIGTERM, SIGKILL after 10 s). Clients, informers and nodes keep retrying. */
  public void stopApiServer() {
    controlPlane.stopApiServer();
  }

  /** Starts kube-apiserver again (after {@link #stopApiServer()}); waits until /readyz. */
  public void startApiServer() {
    controlPlane.startApiServer();
  }

  public boolean isApiServerRunning() {
    return controlPlane.isApiServerRunning();
  }

  /**
   * Re-issues the API server's kubelet-client certificate with these O= groups and restarts the API
   * server. {@code List.of()}: kubelets answer the proxy with 403 (unless other RBAC allows the user).
   */
  public void setApiServerKubeletClientGroups(List<String> groups) {
    pki.reissueApiServerKubeletClient(groups);
    restartApiServer();
  }

  // ================================================================ clients

  public String apiServerUrl() {
    return "https://" + LabNetwork.API_SERVER_IP + ":" + options.apiServerPort();
  }

  /** The shared admin client (user lab-admin, group system:masters); closed by {@link #close()}. */
  public KubernetesClient adminClient() {
    return adminClient;
  }

  /** A config builder for a client of this API server without credentials (add them). */
  public ConfigBuilder baseConfig() {
    return clients.baseConfig();
  }

  /** A config builder pre-filled with the admin certificate. */
  public ConfigBuilder adminConfig() {
    return clients.adminConfig();
  }

  /** A config builder pre-filled with a bearer token (e.g. from {@link #mintToken}). */
  public ConfigBuilder tokenConfig(String token) {
    return clients.tokenConfig(token);
  }

  /** A new client authenticating with {@code token}; closed by {@link #close()}. */
  public KubernetesClient clientWithToken(String token) {
    return client(tokenConfig(token).build());
  }

  /** A new client (Fabric8 + OkHttp) for {@code config}; closed by {@link #close()}. */
  public KubernetesClient client(Config config) {
    return clients.client(config);
  }

  ConfigBuilder identityConfig(Pki.Issued identity) {
    return clients.identityConfig(identity);
  }

  KubernetesClient clientWithIdentity(Pki.Issued identity) {
    return clients.clientWithIdentity(identity);
  }

  /** A new client with a cluster-CA-signed certificate for {@code user} in {@code groups}. */
  public KubernetesClient clientAs(String user, List<String> groups) {
    return clientWithIdentity(pki.clientIdentity(user, groups));
  }

  /** TokenRequest for a ServiceAccount (1 h, audience = the API server's). */
  public String mintToken(String namespace, String serviceAccount) {
    return mintToken(namespace, serviceAccount, Duration.ofHours(1));
  }

  public String mintToken(String namespace, String serviceAccount, Duration validity) {
    return fixtures.mintToken(namespace, serviceAccount, validity);
  }

  public Path runDir() {
    return run == null ? null : run.path();
  }

  /** target/lab/RUN/admin.kubeconfig (usable by the real kubectl, inside the namespace). */
  public Path adminKubeconfig() {
    return runDir().resolve("admin.kubeconfig");
  }

  /** Writes a kubeconfig: admin certificate when {@code token} is null, else the bearer token. */
  public Path writeKubeconfig(Path file, String token) {
    return clients.writeKubeconfig(file, token);
  }

  /** The cluster CA (API server serving cert, client certs) in PEM. */
  public String clusterCaPem() {
    return pki.clusterCa().certPem();
  }

  /** The CA of the kubelets' serving certificates in PEM (for the direct transport). */
  public String kubeletCaPem() {
    return pki.kubeletCa().certPem();
  }

  public LabBinaries binaries() {
    return binaries;
  }

  public LabOptions options() {
    return options;
  }

  /** Process ids of kube-apiserver and etcd (-1 if not running): what they consume can then be measured. */
  public Map<String, Long> controlPlanePids() {
    return controlPlane == null ? Map.of("kube-apiserver", -1L, "etcd", -1L) : controlPlane.pids();
  }

  /** Start-up phases in milliseconds: pki, etcd, apiserver, bootstrap, nodes, total. */
  public Map<String, Long> startupTimings() {
    synchronized (timings) {
      return Map.copyOf(timings);
    }
  }

  // ================================================================ kubectl

  /** Runs the real kubectl with the admin kubeconfig. */
  public ExecResult kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /** Runs kubectl with {@code stdin} (e.g. {@code kubectlWithInput(yaml, "apply", "-f", "-")}). */
  public ExecResult kubectlWithInput(String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binaries.kubectl().toString());
    command.add("--kubeconfig=" + adminKubeconfig());
    command.add("--cache-dir=" + runDir().resolve("kubectl-cache"));
    command.addAll(Arrays.asList(args));
    return ExternalCommand.run(command, stdin, Duration.ofMinutes(2));
  }

  // ================================================================ nodes and pods

  public List<SimulatedNode> nodes() {
    return List.copyOf(nodes);
  }

  /** The nodes running the kubelet's own code ({@link LabOptions#realNodes}). */
  public List<RealKubeletNode> realNodes() {
    return List.copyOf(realNodes);
  }

  /** Real node by 1-based index ({@code real-N}). */
  public RealKubeletNode realNode(int index) {
    return realNodes.stream().filter(n -> n.name().equals("real-" + index)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no real node " + index));
  }

  /** Node by 1-based index. */
  public SimulatedNode node(int index) {
    return nodes.stream().filter(n -> n.index() == index).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + index));
  }

  public SimulatedNode node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + name));
  }

  /** Creates the namespace (if missing) with its default ServiceAccount and kube-root-ca.crt. */
  public Namespace createNamespace(String name) {
    return fixtures.createNamespace(name);
  }

  /** Creates a ServiceAccount (if missing). */
  public ServiceAccount createServiceAccount(String namespace, String name) {
    return fixtures.createServiceAccount(namespace, name);
  }

  /**
   * Creates a pod bound to {@code node} (image {@value #DEFAULT_IMAGE} for every container) and waits
   * until the node reports it Running with all containers ready.
   */
  public Pod createRunningPod(String namespace, String name, LabNode node, String... containers) {
    createPod(podSpec(namespace, name, node, containers).build());
    return awaitPod(namespace, name, Lab::isRunningAndReady, Duration.ofSeconds(90));
  }

  /** A pod builder bound to {@code node}, to adjust before {@link #createPod(Pod)}. */
  public PodBuilder podSpec(String namespace, String name, LabNode node, String... containers) {
    return fixtures.podSpec(namespace, name, node, containers);
  }

  /**
   * Creates a pod as admin (spec.nodeName must be set: there is no scheduler); the namespace is created if missing.
   * The pod is labelled as the lab's own, so its node only simulates it; a pod created otherwise with the
   * operator image is run for real ({@link PodRunner}), as the operator's collector pods are.
   */
  public Pod createPod(Pod pod) {
    return fixtures.createPod(pod);
  }

  /** Polls the pod (as admin) until {@code condition} holds. */
  public Pod awaitPod(String namespace, String name, Predicate<Pod> condition, Duration timeout) {
    return fixtures.awaitPod(namespace, name, condition, timeout);
  }

  public static boolean isRunningAndReady(Pod pod) {
    return LabFixtures.isRunningAndReady(pod);
  }

  // ================================================================ raw HTTP

  /**
   * {@code POST /api/v1/nodes/NODE/proxy/checkpoint/NS/POD/CTR[?timeout=N]} with {@code client}'s own
   * HTTP client (its credentials, TLS and interceptors). Note: Fabric8's HTTP client retries 5xx and
   * 429 answers up to Config.requestRetryBackoffLimit times (default 10); use a client built with
   * {@code withRequestRetryBackoffLimit(0)} to see one call per request.
   */
  public HttpResult proxyCheckpoint(KubernetesClient client, String node, String namespace, String pod, String container,
      Integer timeoutSeconds) {
    String path = "/api/v1/nodes/" + node + "/proxy/checkpoint/" + namespace + "/" + pod + "/" + container
        + (timeoutSeconds == null ? "" : "?timeout=" + timeoutSeconds);
    Duration wait = Duration.ofSeconds(timeoutSeconds == null || timeoutSeconds <= 0 ? 150 : timeoutSeconds + 30L);
    return request(client, "POST", path, wait);
  }

  /** Any request through {@code client}'s HTTP client; {@code path} starts with '/' and may hold a query. */
  public static HttpResult request(KubernetesClient client, String method, String path, Duration timeout) {
    return LabRequests.throughClient(client, method, path, timeout);
  }

  /**
   * {@code POST https://198.18.0.N:10250/checkpoint/NS/POD/CTR[?timeout=N]} directly to the kubelet,
   * verifying its certificate against the kubelet CA, with a bearer token (null: no credentials).
   */
  public HttpResult directCheckpoint(LabNode node, String bearerToken, String namespace, String pod,
      String container, Integer timeoutSeconds) {
    String path = "/checkpoint/" + namespace + "/" + pod + "/" + container
        + (timeoutSeconds == null ? "" : "?timeout=" + timeoutSeconds);
    return directRequest(node, "POST", path, bearerToken, Duration.ofSeconds(120));
  }

  /** Any request straight to a kubelet (TLS verified against the kubelet CA). */
  public HttpResult directRequest(LabNode node, String method, String path, String bearerToken, Duration timeout) {
    return requests.toKubelet(node, method, path, bearerToken, timeout);
  }

  /** The same with extra headers (e.g. Accept) and a request body ("" for none). */
  public HttpResult directRequest(LabNode node, String method, String path, String bearerToken,
      Map<String, String> headers, String body, Duration timeout) {
    return requests.toKubelet(node, method, path, bearerToken, headers, body, timeout);
  }

  // ================================================================ helpers

  void log(String message) {
    LabRunDirectory.log(runDir(), message);
  }

  /** Runs a create; "already exists" (409) is fine. */
  static void ignoreConflict(Runnable action) {
    try {
      action.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
