package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
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
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Assumptions;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;

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
 * There is no controller-manager and no scheduler: pods are created with spec.nodeName, the lab
 * creates the {@code default} ServiceAccount and {@code kube-root-ca.crt} in every namespace,
 * namespaces are never finalized after deletion and ownerReferences are not garbage-collected.
 * Files: {@code <labDir>/<timestamp>-<name>/} (logs, pki/, admin.kubeconfig, nodes/NAME/checkpoints/).
 */
public final class Lab implements AutoCloseable {

  public static final String KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";
  public static final String ADMIN_USER = "lab-admin";
  public static final String SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc";
  public static final String SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16";
  public static final String DEFAULT_IMAGE = "nginx:1.27";

  private final LabOptions options;
  private final Map<String, Long> timings = Collections.synchronizedMap(new LinkedHashMap<>());
  private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
  private final List<SimulatedNode> nodes = new CopyOnWriteArrayList<>();
  private final ExecutorService controller = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "lab-namespace-controller");
    t.setDaemon(true);
    return t;
  });
  private Path projectRoot;
  private Path runDir;
  private Path pkiDir;
  private LabBinaries binaries;
  private Pki.Issued clusterCa;
  private Pki.Issued etcdCa;
  private Pki.Issued kubeletCa;
  private Pki.Issued rogueCa;
  private Pki.Issued admin;
  private ManagedProcess etcd;
  private ManagedProcess apiServer;
  private int etcdClientPort;
  private KubernetesClient adminClient;
  private SharedIndexInformer<Namespace> namespaceInformer;
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
    LabNetwork.unavailableReason(options.nodes()).ifPresent(r -> {
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
    projectRoot = LabBinaries.projectRoot();
    binaries = options.binDir() != null ? new LabBinaries(options.binDir()) : LabBinaries.locate(projectRoot);
    runDir = createRunDir();
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
    log("run dir " + runDir + ", binaries " + binaries.dir());
    long t = System.nanoTime();
    createPki();
    writeKubeconfig(adminKubeconfig(), null);
    // for operator/lab/enter
    Pki.write(runDir.resolve("lab.env"), "export KUBECONFIG=" + adminKubeconfig() + "\n"
        + "export PATH=" + binaries.dir() + ":$PATH\n"
        + "export FCP_LAB_RUN=" + runDir + "\n");
    timings.put("pki", millisSince(t));

    t = System.nanoTime();
    startEtcd();
    timings.put("etcd", millisSince(t));

    t = System.nanoTime();
    apiServer = new ManagedProcess("kube-apiserver", apiServerCommand(), runDir.resolve("kube-apiserver.log"), runDir);
    apiServer.start();
    awaitApiServerReady(options.startTimeout());
    timings.put("apiserver", millisSince(t));

    t = System.nanoTime();
    adminClient = client(adminConfig().build());
    bootstrap();
    timings.put("bootstrap", millisSince(t));

    t = System.nanoTime();
    startNodes();
    timings.put("nodes", millisSince(t));
    timings.put("total", millisSince(t0));
    log("lab up in " + timings.get("total") + " ms " + timings + ": " + apiServerUrl() + ", nodes " + nodes);
  }

  private Path createRunDir() {
    Path labDir = options.labDir();
    if (labDir == null) {
      String configured = System.getProperty("lab.dir");
      if (configured == null || configured.isBlank()) {
        configured = System.getenv("FCP_LAB_DIR");
      }
      labDir = configured != null && !configured.isBlank() ? Path.of(configured) : projectRoot.resolve("target/lab");
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    try {
      Files.createDirectories(labDir);
      Path dir = labDir.resolve(stamp + "-" + options.name());
      for (int i = 2; Files.exists(dir); i++) {
        dir = labDir.resolve(stamp + "-" + options.name() + "-" + i);
      }
      Files.createDirectories(dir);
      dir = dir.toAbsolutePath();
      String hostPid = System.getenv("FCP_LAB_NETNS_HOST_PID");
      if (hostPid != null && !hostPid.isBlank()) {
        String userns = System.getenv("FCP_LAB_NETNS_USERNS");
        Files.writeString(dir.resolve("netns.pid"), hostPid.strip() + "\n"
            + (userns != null && !userns.isBlank() ? "userns\n" : ""));
      }
      Path latest = labDir.resolve("latest");
      try {
        Files.deleteIfExists(latest);
        Files.createSymbolicLink(latest, dir.getFileName());
      } catch (IOException | UnsupportedOperationException ignored) {
        // convenience only
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the lab run directory under " + labDir, e);
    }
  }

  private void createPki() {
    pkiDir = runDir.resolve("pki");
    InetAddress api = LabNetwork.apiServerAddress();
    InetAddress loopback = LabNetwork.address("127.0.0.1");
    clusterCa = Pki.newCa("lab-kubernetes-ca").writeTo(pkiDir, "ca");
    etcdCa = Pki.newCa("lab-etcd-ca").writeTo(pkiDir, "etcd-ca");
    kubeletCa = Pki.newCa("lab-kubelet-ca").writeTo(pkiDir, "kubelet-ca");
    rogueCa = Pki.newCa("lab-rogue-ca").writeTo(pkiDir, "rogue-ca");
    Pki.issue(etcdCa, "lab-etcd", List.of(), true, true, List.of("localhost"), List.of(loopback))
        .writeTo(pkiDir, "etcd-server");
    Pki.client(etcdCa, "kube-apiserver-etcd-client", List.of()).writeTo(pkiDir, "apiserver-etcd-client");
    Pki.issue(clusterCa, "kube-apiserver", List.of(), true, false,
        List.of("kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
            "localhost"),
        List.of(api, loopback, LabNetwork.address("10.96.0.1"))).writeTo(pkiDir, "apiserver");
    admin = Pki.client(clusterCa, ADMIN_USER, List.of("system:masters")).writeTo(pkiDir, "admin");
    Pki.client(clusterCa, KUBELET_CLIENT_USER, options.apiServerKubeletClientGroups())
        .writeTo(pkiDir, "apiserver-kubelet-client");
    KeyPair sa = Pki.newKeyPair();
    Pki.write(pkiDir.resolve("sa.pub"), Pki.pem(sa.getPublic()));
    Pki.write(pkiDir.resolve("sa.key"), Pki.privateKeyPem(sa.getPrivate()));
  }

  private void startEtcd() {
    etcdClientPort = LabNetwork.freeLoopbackPort();
    int peerPort = LabNetwork.freeLoopbackPort();
    Path data = runDir.resolve("etcd");
    List<String> command = List.of(
        binaries.etcd().toString(),
        "--name=lab",
        "--data-dir=" + data,
        "--listen-client-urls=https://127.0.0.1:" + etcdClientPort,
        "--advertise-client-urls=https://127.0.0.1:" + etcdClientPort,
        "--listen-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-cluster=lab=http://127.0.0.1:" + peerPort,
        "--initial-cluster-state=new",
        "--cert-file=" + pkiDir.resolve("etcd-server.crt"),
        "--key-file=" + pkiDir.resolve("etcd-server.key"),
        "--trusted-ca-file=" + pkiDir.resolve("etcd-ca.crt"),
        "--client-cert-auth=true",
        "--unsafe-no-fsync=true",
        "--log-level=warn");
    etcd = new ManagedProcess("etcd", command, runDir.resolve("etcd.log"), runDir);
    etcd.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      etcd.checkAlive();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), etcdClientPort), 500);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("etcd did not listen on 127.0.0.1:" + etcdClientPort + " within 30 s:\n"
              + etcd.tail(30));
        }
        sleep(50);
      }
    }
  }

  private List<String> apiServerCommand() {
    List<String> c = new ArrayList<>(List.of(
        binaries.kubeApiServer().toString(),
        "--advertise-address=" + LabNetwork.API_SERVER_IP,
        "--bind-address=" + LabNetwork.API_SERVER_IP,
        "--secure-port=" + options.apiServerPort(),
        "--etcd-servers=https://127.0.0.1:" + etcdClientPort,
        "--etcd-cafile=" + pkiDir.resolve("etcd-ca.crt"),
        "--etcd-certfile=" + pkiDir.resolve("apiserver-etcd-client.crt"),
        "--etcd-keyfile=" + pkiDir.resolve("apiserver-etcd-client.key"),
        "--client-ca-file=" + pkiDir.resolve("ca.crt"),
        "--tls-cert-file=" + pkiDir.resolve("apiserver.crt"),
        "--tls-private-key-file=" + pkiDir.resolve("apiserver.key"),
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        "--service-account-issuer=" + SERVICE_ACCOUNT_ISSUER,
        "--service-account-key-file=" + pkiDir.resolve("sa.pub"),
        "--service-account-signing-key-file=" + pkiDir.resolve("sa.key"),
        "--api-audiences=" + SERVICE_ACCOUNT_ISSUER,
        "--kubelet-client-certificate=" + pkiDir.resolve("apiserver-kubelet-client.crt"),
        "--kubelet-client-key=" + pkiDir.resolve("apiserver-kubelet-client.key"),
        "--kubelet-certificate-authority=" + pkiDir.resolve("kubelet-ca.crt"),
        "--kubelet-preferred-address-types=InternalIP",
        "--service-cluster-ip-range=" + SERVICE_CLUSTER_IP_RANGE,
        "--allow-privileged=true",
        "--cert-dir=" + runDir.resolve("apiserver-certs"),
        "--profiling=false",
        "--v=2"));
    c.addAll(options.extraApiServerArgs());
    return c;
  }

  private void awaitApiServerReady(Duration timeout) {
    SSLContext tls = Pki.clientContext(clusterCa.cert(), admin);
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .sslContext(tls)
        .version(java.net.http.HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(URI.create(apiServerUrl() + "/readyz"))
        .timeout(Duration.ofSeconds(5)).GET().build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (true) {
      apiServer.checkAlive();
      try {
        java.net.http.HttpResponse<String> response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("kube-apiserver not ready within " + timeout + " (last: " + last + "); log tail:\n"
            + apiServer.tail(40));
      }
      sleep(200);
    }
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
    // stands in for the controller-manager's serviceaccount and root-ca-cert-publisher controllers
    namespaceInformer = adminClient.namespaces().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Namespace ns) {
        submitToController(() -> ensureNamespaceBasics(ns.getMetadata().getName()));
      }

      @Override
      public void onUpdate(Namespace oldNs, Namespace newNs) {
        // nothing
      }

      @Override
      public void onDelete(Namespace ns, boolean deletedFinalStateUnknown) {
        // nothing
      }
    }, 0);
  }

  private void submitToController(Runnable task) {
    try {
      controller.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log("namespace controller: " + e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void ensureNamespaceBasics(String namespace) {
    try {
      Namespace ns = adminClient.namespaces().withName(namespace).get();
      if (ns == null || ns.getMetadata().getDeletionTimestamp() != null) {
        return;
      }
      ignoreConflict(() -> adminClient.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
          .withNewMetadata().withName("default").endMetadata().build()).create());
      ignoreConflict(() -> adminClient.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
          .withNewMetadata().withName("kube-root-ca.crt").endMetadata()
          .addToData("ca.crt", clusterCa.certPem()).build()).create());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403 && e.getCode() != 404) {
        throw e;
      }
    }
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

  private SimulatedNode newNode(int index) {
    String name = options.nodeNamePrefix() + index;
    InetAddress ip = LabNetwork.nodeAddress(index);
    Path dir = runDir.resolve("nodes").resolve(name);
    Pki.Issued client = Pki.client(clusterCa, "system:node:" + name, List.of("system:nodes"));
    Pki.Issued serving = Pki.issue(kubeletCa, "system:node:" + name, List.of("system:nodes"), true, false,
        List.of(name), List.of(ip));
    Pki.Issued rogue = Pki.issue(rogueCa, "system:node:" + name, List.of("system:nodes"), true, false,
        List.of(name), List.of(ip));
    SimulatedNode node = new SimulatedNode(this, index, name, dir, options.kubeletRootDir(), options.checkpointGate(),
        client, serving, rogue, clusterCa.cert());
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
    for (SimulatedNode node : nodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        log("closing " + node + ": " + e);
      }
    }
    if (namespaceInformer != null) {
      namespaceInformer.close();
    }
    controller.shutdownNow();
    for (KubernetesClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing
      }
    }
    if (apiServer != null) {
      apiServer.stop(Duration.ofSeconds(10));
    }
    if (etcd != null) {
      etcd.stop(Duration.ofSeconds(10));
      if (!options.keepEtcdData()) {
        deleteTree(runDir.resolve("etcd"));
      }
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // JVM shutting down
      }
    }
    if (runDir != null) {
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
    apiServer.stop(Duration.ofSeconds(10));
  }

  /** Starts kube-apiserver again (after {@link #stopApiServer()}); waits until /readyz. */
  public void startApiServer() {
    apiServer.start();
    awaitApiServerReady(options.startTimeout());
  }

  public boolean isApiServerRunning() {
    return apiServer.isAlive();
  }

  /**
   * Re-issues the API server's kubelet-client certificate with these O= groups and restarts the API
   * server. {@code List.of()}: kubelets answer the proxy with 403 (unless other RBAC allows the user).
   */
  public void setApiServerKubeletClientGroups(List<String> groups) {
    Pki.client(clusterCa, KUBELET_CLIENT_USER, groups).writeTo(pkiDir, "apiserver-kubelet-client");
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
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(apiServerUrl())
        .withCaCertData(Pki.base64(clusterCa.certPem()))
        .withConnectionTimeout(10_000)
        .withRequestTimeout(30_000);
  }

  /** A config builder pre-filled with the admin certificate. */
  public ConfigBuilder adminConfig() {
    return identityConfig(admin);
  }

  /** A config builder pre-filled with a bearer token (e.g. from {@link #mintToken}). */
  public ConfigBuilder tokenConfig(String token) {
    return baseConfig().withOauthToken(token);
  }

  /** A new client authenticating with {@code token}; closed by {@link #close()}. */
  public KubernetesClient clientWithToken(String token) {
    return client(tokenConfig(token).build());
  }

  /** A new client (Fabric8 + OkHttp) for {@code config}; closed by {@link #close()}. */
  public KubernetesClient client(Config config) {
    KubernetesClient c = new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new OkHttpClientFactory())
        .build();
    clients.add(c);
    return c;
  }

  ConfigBuilder identityConfig(Pki.Issued identity) {
    return baseConfig()
        .withClientCertData(Pki.base64(identity.certPem()))
        .withClientKeyData(Pki.base64(identity.keyPem()))
        .withClientKeyAlgo("EC");
  }

  KubernetesClient clientWithIdentity(Pki.Issued identity) {
    return client(identityConfig(identity).build());
  }

  /** A new client with a cluster-CA-signed certificate for {@code user} in {@code groups}. */
  public KubernetesClient clientAs(String user, List<String> groups) {
    return clientWithIdentity(Pki.client(clusterCa, user, groups));
  }

  /** TokenRequest for a ServiceAccount (1 h, audience = the API server's). */
  public String mintToken(String namespace, String serviceAccount) {
    return mintToken(namespace, serviceAccount, Duration.ofHours(1));
  }

  public String mintToken(String namespace, String serviceAccount, Duration validity) {
    return adminClient.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(validity.toSeconds()).endSpec().build())
        .getStatus().getToken();
  }

  public Path runDir() {
    return runDir;
  }

  /** target/lab/RUN/admin.kubeconfig (usable by the real kubectl, inside the namespace). */
  public Path adminKubeconfig() {
    return runDir.resolve("admin.kubeconfig");
  }

  /** Writes a kubeconfig: admin certificate when {@code token} is null, else the bearer token. */
  public Path writeKubeconfig(Path file, String token) {
    String user = token == null
        ? "    client-certificate-data: " + Pki.base64(admin.certPem()) + "\n"
            + "    client-key-data: " + Pki.base64(admin.keyPem()) + "\n"
        : "    token: " + token + "\n";
    String yaml = "apiVersion: v1\nkind: Config\n"
        + "clusters:\n- name: lab\n  cluster:\n    server: " + apiServerUrl() + "\n"
        + "    certificate-authority-data: " + Pki.base64(clusterCa.certPem()) + "\n"
        + "users:\n- name: " + (token == null ? ADMIN_USER : "token") + "\n  user:\n" + user
        + "contexts:\n- name: lab\n  context:\n    cluster: lab\n    user: " + (token == null ? ADMIN_USER : "token")
        + "\n    namespace: default\n"
        + "current-context: lab\n";
    Pki.write(file, yaml);
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** The cluster CA (API server serving cert, client certs) in PEM. */
  public String clusterCaPem() {
    return clusterCa.certPem();
  }

  /** The CA of the kubelets' serving certificates in PEM (for the direct transport). */
  public String kubeletCaPem() {
    return kubeletCa.certPem();
  }

  public LabBinaries binaries() {
    return binaries;
  }

  public LabOptions options() {
    return options;
  }

  /** Process ids of kube-apiserver and etcd (-1 if not running): what they consume can then be measured. */
  public Map<String, Long> controlPlanePids() {
    return Map.of("kube-apiserver", apiServer == null ? -1 : apiServer.pid(), "etcd", etcd == null ? -1 : etcd.pid());
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
    command.add("--cache-dir=" + runDir.resolve("kubectl-cache"));
    command.addAll(Arrays.asList(args));
    return exec(command, stdin, Duration.ofMinutes(2));
  }

  static ExecResult exec(List<String> command, String stdin, Duration timeout) {
    try {
      Path out = Files.createTempFile("lab-exec", ".out");
      Path err = Files.createTempFile("lab-exec", ".err");
      try {
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
        if (stdin == null) {
          builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = builder.start();
        if (stdin != null) {
          try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
          }
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
          return new ExecResult(-1, Files.readString(out), Files.readString(err) + "\n(timed out after " + timeout + ")");
        }
        return new ExecResult(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ================================================================ nodes and pods

  public List<SimulatedNode> nodes() {
    return List.copyOf(nodes);
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
    ignoreConflict(() -> adminClient.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .endMetadata().build()).create());
    ensureNamespaceBasics(name);
    return adminClient.namespaces().withName(name).get();
  }

  /** Creates a ServiceAccount (if missing). */
  public ServiceAccount createServiceAccount(String namespace, String name) {
    createNamespace(namespace);
    ignoreConflict(() -> adminClient.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName(name).endMetadata().build()).create());
    return adminClient.serviceAccounts().inNamespace(namespace).withName(name).get();
  }

  /**
   * Creates a pod bound to {@code node} (image {@value #DEFAULT_IMAGE} for every container) and waits
   * until the node reports it Running with all containers ready.
   */
  public Pod createRunningPod(String namespace, String name, SimulatedNode node, String... containers) {
    createPod(podSpec(namespace, name, node, containers).build());
    return awaitPod(namespace, name, Lab::isRunningAndReady, Duration.ofSeconds(90));
  }

  /** A pod builder bound to {@code node}, to adjust before {@link #createPod(Pod)}. */
  public PodBuilder podSpec(String namespace, String name, SimulatedNode node, String... containers) {
    if (containers.length == 0) {
      throw new IllegalArgumentException("at least one container");
    }
    PodBuilder b = new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).addToLabels("app", name).endMetadata()
        .withNewSpec().withNodeName(node.name()).withTerminationGracePeriodSeconds(30L).withRestartPolicy("Always")
        .endSpec();
    for (String c : containers) {
      b.editSpec().addToContainers(new ContainerBuilder().withName(c).withImage(DEFAULT_IMAGE).build()).endSpec();
    }
    return b;
  }

  /** Creates a pod as admin (spec.nodeName must be set: there is no scheduler); the namespace is created if missing. */
  public Pod createPod(Pod pod) {
    if (pod.getSpec() == null || pod.getSpec().getNodeName() == null) {
      throw new IllegalArgumentException("spec.nodeName must be set (the lab has no scheduler)");
    }
    String namespace = pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
    createNamespace(namespace);
    return adminClient.pods().inNamespace(namespace).resource(pod).create();
  }

  /** Polls the pod (as admin) until {@code condition} holds. */
  public Pod awaitPod(String namespace, String name, Predicate<Pod> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Pod last = null;
    while (true) {
      last = adminClient.pods().inNamespace(namespace).withName(name).get();
      if (last != null && condition.test(last)) {
        return last;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pod " + namespace + "/" + name + " did not reach the condition within " + timeout
            + "; last: " + (last == null ? "absent" : last.getStatus()));
      }
      sleep(100);
    }
  }

  public static boolean isRunningAndReady(Pod pod) {
    return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getContainerStatuses() != null
        && !pod.getStatus().getContainerStatuses().isEmpty()
        && pod.getStatus().getContainerStatuses().stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
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
    HttpClient http = client.getHttpClient();
    String base = client.getMasterUrl().toString().replaceAll("/+$", "");
    HttpRequest.Builder builder = http.newHttpRequestBuilder().uri(base + path).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if ("GET".equals(method)) {
      builder.header("Accept", "*/*");
    } else {
      builder.method(method, "application/json", "");
    }
    try {
      HttpResponse<String> response = http.sendAsync(builder.build(), String.class)
          .get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      return new HttpResult(response.code(), response.header("Content-Type"), response.body());
    } catch (ExecutionException e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(method + " " + path + " timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code POST https://198.18.0.N:10250/checkpoint/NS/POD/CTR[?timeout=N]} directly to the kubelet,
   * verifying its certificate against the kubelet CA, with a bearer token (null: no credentials).
   */
  public HttpResult directCheckpoint(SimulatedNode node, String bearerToken, String namespace, String pod,
      String container, Integer timeoutSeconds) {
    String path = "/checkpoint/" + namespace + "/" + pod + "/" + container
        + (timeoutSeconds == null ? "" : "?timeout=" + timeoutSeconds);
    return directRequest(node, "POST", path, bearerToken, Duration.ofSeconds(120));
  }

  /** Any request straight to a kubelet (TLS verified against the kubelet CA). */
  public HttpResult directRequest(SimulatedNode node, String method, String path, String bearerToken, Duration timeout) {
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .sslContext(Pki.clientContext(kubeletCa.cert(), null))
        .version(java.net.http.HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    java.net.http.HttpRequest.Builder builder = java.net.http.HttpRequest.newBuilder(URI.create(node.kubeletUrl() + path))
        .timeout(timeout)
        .method(method, java.net.http.HttpRequest.BodyPublishers.noBody());
    if (bearerToken != null) {
      builder.header("Authorization", "Bearer " + bearerToken);
    }
    try {
      java.net.http.HttpResponse<String> response = http.send(builder.build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return new HttpResult(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
          response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + node.kubeletUrl() + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ================================================================ helpers

  void log(String message) {
    String line = Instant.now() + " " + message;
    System.err.println("[lab] " + line);
    if (runDir != null) {
      try {
        Files.writeString(runDir.resolve("lab.log"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException ignored) {
        // diagnostics only
      }
    }
  }

  private static void ignoreConflict(Runnable action) {
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

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
