package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * A simulated kubelet: registers its Node with its own client certificate (system:node:NAME), runs
 * the pods bound to it (status updates like a kubelet; there are no processes), and serves
 * {@code POST /checkpoint/{ns}/{pod}/{container}} on 198.18.0.N:10250 with the real kubelet's
 * authentication (client certificate, or bearer token via TokenReview), authorization
 * (SubjectAccessReview create nodes/checkpoint), status codes and bodies
 * (../shared/research/kubelet-responses.md sections 1-3, 1.32+ formats). Successful checkpoints
 * write a real-looking archive ({@link CheckpointArchive}) into {@link #checkpointDir()}.
 *
 * <p>Every fault is switchable at runtime: {@link #inject}, {@link #setLatency},
 * {@link #setCheckpointGate}, {@link #serveCertificateFromOtherCa}, {@link #stallTlsHandshake},
 * {@link #makeUnreachable}.
 */
public final class SimulatedNode implements AutoCloseable {

  /** Pods with this annotation set to "true" stay Pending (ContainerCreating) until {@link #startPod}. */
  public static final String HOLD_ANNOTATION = "lab.forensics.ckpt.io/hold";
  public static final String CONTAINER_RUNTIME_VERSION = "containerd://2.1.0";
  public static final String KUBELET_VERSION = "v1.37.2";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final DateTimeFormatter RFC3339_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

  private record FaultRule(KubeletFault fault, String container, AtomicInteger remaining) {}

  /** Who made a request (after authentication). */
  private record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {}

  private enum ContainerPhase { WAITING, RUNNING, TERMINATED }

  private static final class ContainerRuntime {
    final String name;
    final String image;
    final boolean init;
    volatile ContainerPhase phase;
    volatile String id;
    Instant startedAt;
    Instant finishedAt;
    int exitCode;
    int restartCount;
    ContainerState lastState;

    ContainerRuntime(String name, String image, boolean init) {
      this.name = name;
      this.image = image;
      this.init = init;
    }
  }

  private static final class PodRuntime {
    final String uid;
    final Map<String, ContainerRuntime> containers = new LinkedHashMap<>();
    final String podIp;
    final Instant startTime;
    String phaseOverride;
    boolean deleting;

    PodRuntime(String uid, String podIp, Instant startTime) {
      this.uid = uid;
      this.podIp = podIp;
      this.startTime = startTime;
    }
  }

  private final Lab lab;
  private final int index;
  private final String name;
  private final InetAddress address;
  private final Path dataDir;
  private final String rootDir;
  private final Pki.Issued clientIdentity;
  private final SSLContext servingContext;
  private final SSLContext rogueContext;
  private final X509Certificate clusterCa;
  private final KubeletHttpServer server;
  private final ExecutorService worker;
  private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();
  private final AtomicInteger podCounter = new AtomicInteger();
  private final List<FaultRule> faults = new CopyOnWriteArrayList<>();
  private final List<CheckpointCall> calls = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Map<String, AtomicInteger> inFlightByContainer = new ConcurrentHashMap<>();
  private final AtomicInteger sameContainerOverlaps = new AtomicInteger();
  private final AtomicLong checkpointsWritten = new AtomicLong();
  private final Set<String> archiveNames = ConcurrentHashMap.newKeySet();
  private final AtomicInteger archiveNameCollisions = new AtomicInteger();
  private final Path callLog;

  private volatile boolean checkpointGate;
  private volatile Duration latency = Duration.ZERO;
  private volatile boolean rogueCertificate;
  private volatile boolean stallHandshake;
  private volatile boolean reachable = true;
  private volatile KubernetesClient client;
  private volatile SharedIndexInformer<Pod> podInformer;

  SimulatedNode(Lab lab, int index, String name, Path dataDir, String reportedRootDir, boolean checkpointGate,
      Pki.Issued clientIdentity, Pki.Issued servingIdentity, Pki.Issued rogueServingIdentity, X509Certificate clusterCa) {
    this.lab = lab;
    this.index = index;
    this.name = name;
    this.address = LabNetwork.nodeAddress(index);
    this.dataDir = dataDir;
    this.rootDir = reportedRootDir == null ? dataDir.toAbsolutePath().toString() : reportedRootDir;
    this.checkpointGate = checkpointGate;
    this.clientIdentity = clientIdentity;
    this.clusterCa = clusterCa;
    this.servingContext = servingContext(servingIdentity, clusterCa);
    this.rogueContext = servingContext(rogueServingIdentity, clusterCa);
    this.callLog = dataDir.resolve("kubelet.log");
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name + "-kubelet");
      t.setDaemon(true);
      return t;
    });
    this.server = new KubeletHttpServer(name, address, LabNetwork.KUBELET_PORT,
        () -> rogueCertificate ? rogueContext : servingContext, () -> stallHandshake, this::handle);
  }

  // ---------------------------------------------------------------- lifecycle

  void start() {
    try {
      Files.createDirectories(checkpointDir());
      Files.setPosixFilePermissions(checkpointDir(), PosixFilePermissions.fromString("rwx------"));
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("node " + name + ": cannot start the kubelet server on "
          + address.getHostAddress() + ":" + LabNetwork.KUBELET_PORT, e);
    }
    client = lab.clientWithIdentity(clientIdentity);
    register();
    podInformer = client.pods().inAnyNamespace().withField("spec.nodeName", name).inform(new PodHandler(), 0);
  }

  @Override
  public void close() {
    server.stop();
    SharedIndexInformer<Pod> informer = podInformer;
    if (informer != null) {
      informer.close();
    }
    worker.shutdownNow();
    KubernetesClient c = client;
    if (c != null) {
      c.close();
    }
  }

  // ---------------------------------------------------------------- accessors

  public String name() {
    return name;
  }

  /** 1-based. */
  public int index() {
    return index;
  }

  /** The node's InternalIP, e.g. 198.18.0.11. */
  public String address() {
    return address.getHostAddress();
  }

  public int kubeletPort() {
    return LabNetwork.KUBELET_PORT;
  }

  /** https://198.18.0.N:10250 */
  public String kubeletUrl() {
    return "https://" + address() + ":" + LabNetwork.KUBELET_PORT;
  }

  /** Where archives are really written: {@code <run>/nodes/<name>/checkpoints}. */
  public Path checkpointDir() {
    return dataDir.resolve("checkpoints");
  }

  /** The kubelet root dir as reported in checkpoint paths. */
  public String rootDir() {
    return rootDir;
  }

  /** The real file for a path this kubelet returned in {@code items}. */
  public Path archiveFile(String reportedPath) {
    String prefix = rootDir + "/checkpoints/";
    if (!reportedPath.startsWith(prefix)) {
      throw new IllegalArgumentException(reportedPath + " is not under " + prefix);
    }
    return checkpointDir().resolve(reportedPath.substring(prefix.length()));
  }

  /** The node's API client (identity system:node:NAME). */
  public KubernetesClient client() {
    return client;
  }

  // ---------------------------------------------------------------- faults

  /** The kubelet feature gate ContainerCheckpoint: off gives 404 "404 page not found" on /checkpoint, no auth. */
  public SimulatedNode setCheckpointGate(boolean on) {
    this.checkpointGate = on;
    return this;
  }

  public boolean checkpointGate() {
    return checkpointGate;
  }

  /** Time every checkpoint takes in the "runtime" (after all checks), e.g. a big container's CRIU dump. */
  public SimulatedNode setLatency(Duration latency) {
    this.latency = latency == null ? Duration.ZERO : latency;
    return this;
  }

  /** Applies {@code fault} to every checkpoint call until {@link #clearFaults()}. */
  public SimulatedNode inject(KubeletFault fault) {
    return inject(fault, null, -1);
  }

  /**
   * Applies {@code fault} to calls for {@code container} (null: any container), {@code times} times
   * (negative: until cleared). Rules are checked in order; the first matching one applies.
   */
  public SimulatedNode inject(KubeletFault fault, String container, int times) {
    faults.add(new FaultRule(fault, container, new AtomicInteger(times)));
    return this;
  }

  public SimulatedNode clearFaults() {
    faults.clear();
    return this;
  }

  /** Serve a kubelet certificate signed by a CA the API server does not trust (x509 error through the proxy). */
  public SimulatedNode serveCertificateFromOtherCa(boolean on) {
    if (rogueCertificate != on) {
      rogueCertificate = on;
      server.dropConnections();
    }
    return this;
  }

  /** Accept TCP connections but never answer the TLS handshake (the client's handshake timeout fires). */
  public SimulatedNode stallTlsHandshake(boolean on) {
    if (stallHandshake != on) {
      stallHandshake = on;
      server.dropConnections();
    }
    return this;
  }

  /** Stops the kubelet server (connection refused) and marks the Node Ready=Unknown, as the node lifecycle controller would. */
  public SimulatedNode makeUnreachable() {
    reachable = false;
    server.stop();
    patchNodeStatus(lab.adminClient(), readyCondition("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."));
    return this;
  }

  /** Starts the server again and reports Ready=True. */
  public SimulatedNode makeReachable() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    reachable = true;
    patchNodeStatus(client, readyCondition("True", "KubeletReady", "kubelet is posting ready status"));
    return this;
  }

  public boolean isReachable() {
    return reachable;
  }

  /** Back to a healthy node: no faults, no latency, gate as configured at lab start, own certificate, reachable. */
  public SimulatedNode reset() {
    clearFaults();
    latency = Duration.ZERO;
    rogueCertificate = false;
    stallHandshake = false;
    checkpointGate = lab.options().checkpointGate();
    if (!reachable) {
      makeReachable();
    }
    return this;
  }

  // ---------------------------------------------------------------- observations

  /** Every /checkpoint request received so far (oldest first). */
  public List<CheckpointCall> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  public void clearCalls() {
    calls.clear();
    maxInFlight.set(inFlight.get());
    sameContainerOverlaps.set(0);
  }

  /**
   * Checkpoints running now (runtime phase: authenticated, authorized, dumping): a test waits on this
   * for "the call reached the kubelet" instead of sleeping.
   */
  public int checkpointsInProgress() {
    return inFlight.get();
  }

  /** The highest number of checkpoints this node ran at the same time (runtime phase only). */
  public int maxConcurrentCheckpoints() {
    return maxInFlight.get();
  }

  /** How often a checkpoint started while another one of the same container was still running. */
  public int sameContainerOverlaps() {
    return sameContainerOverlaps.get();
  }

  public long checkpointsWritten() {
    return checkpointsWritten.get();
  }

  /**
   * How often a checkpoint got the archive path of an earlier one (same container, same second): on a
   * real node CRI-O and containerd then write into the earlier archive without truncating it.
   */
  public int archiveNameCollisions() {
    return archiveNameCollisions.get();
  }

  // ---------------------------------------------------------------- pods (test controls)

  /** The container ID as reported in status, {@code containerd://<64 hex>}; empty when not started. */
  public Optional<String> containerId(String namespace, String pod, String container) {
    return onWorker(() -> {
      PodRuntime rt = runtimes.get(namespace + "/" + pod);
      ContainerRuntime c = rt == null ? null : rt.containers.get(container);
      return c == null || c.id == null ? Optional.<String>empty() : Optional.of("containerd://" + c.id);
    });
  }

  /** The container exits with {@code exitCode} (pod phase follows: Succeeded/Failed when none runs any more). */
  public void terminateContainer(String namespace, String pod, String container, int exitCode) {
    mutate(namespace, pod, rt -> {
      ContainerRuntime c = require(rt, container);
      terminate(c, exitCode);
    });
  }

  /** The container restarts: new container ID, restartCount + 1, lastState terminated. */
  public void restartContainer(String namespace, String pod, String container) {
    mutate(namespace, pod, rt -> {
      ContainerRuntime c = require(rt, container);
      if (c.phase == ContainerPhase.RUNNING) {
        terminate(c, 137);
      }
      c.lastState = state(c);
      c.restartCount++;
      run(c);
      rt.phaseOverride = null;
    });
  }

  /**
   * Forces the pod phase: Pending (containers waiting), Running (all containers running),
   * Succeeded (all exited 0) or Failed (all exited 1).
   */
  public void setPodPhase(String namespace, String pod, String phase) {
    mutate(namespace, pod, rt -> {
      for (ContainerRuntime c : rt.containers.values()) {
        if (c.init) {
          continue;
        }
        switch (phase) {
          case "Pending" -> {
            c.phase = ContainerPhase.WAITING;
            c.id = null;
          }
          case "Running" -> {
            if (c.phase != ContainerPhase.RUNNING) {
              run(c);
            }
          }
          case "Succeeded" -> terminate(c, 0);
          case "Failed" -> terminate(c, 1);
          default -> throw new IllegalArgumentException("phase: " + phase);
        }
      }
      rt.phaseOverride = phase;
    });
  }

  /** Starts a pod that was created with {@link #HOLD_ANNOTATION}. */
  public void startPod(String namespace, String pod) {
    setPodPhase(namespace, pod, "Running");
  }

  private interface Mutation {
    void apply(PodRuntime rt);
  }

  private void mutate(String namespace, String pod, Mutation mutation) {
    onWorker(() -> {
      String key = namespace + "/" + pod;
      PodRuntime rt = runtimes.get(key);
      if (rt == null) {
        throw new IllegalArgumentException("pod " + key + " is not running on node " + name);
      }
      mutation.apply(rt);
      Pod current = podInformer.getStore().getByKey(key);
      if (current != null) {
        pushStatus(current, rt);
      }
      return null;
    });
  }

  private static ContainerRuntime require(PodRuntime rt, String container) {
    ContainerRuntime c = rt.containers.get(container);
    if (c == null || c.init) {
      throw new IllegalArgumentException("no container " + container);
    }
    return c;
  }

  private <T> T onWorker(java.util.concurrent.Callable<T> task) {
    Future<T> future = worker.submit(task);
    try {
      return future.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("node " + name + ": worker timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- node registration

  private void register() {
    NodeStatus status = nodeStatus(readyCondition("True", "KubeletReady", "kubelet is posting ready status"));
    var node = new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("kubernetes.io/hostname", name)
        .addToLabels("kubernetes.io/os", "linux")
        .addToLabels("kubernetes.io/arch", "amd64")
        .addToLabels("beta.kubernetes.io/os", "linux")
        .addToLabels("beta.kubernetes.io/arch", "amd64")
        .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
        .endMetadata()
        .withNewSpec().endSpec()
        .withStatus(status)
        .build();
    try {
      client.nodes().resource(node).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    patchNodeStatus(client, readyCondition("True", "KubeletReady", "kubelet is posting ready status"));
  }

  private NodeStatus nodeStatus(NodeCondition ready) {
    String now = rfc3339(Instant.now());
    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now));
    conditions.add(condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now));
    conditions.add(condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now));
    conditions.add(ready);
    Map<String, Quantity> capacity = Map.of(
        "cpu", new Quantity("4"),
        "memory", new Quantity("16Gi"),
        "pods", new Quantity("110"),
        "ephemeral-storage", new Quantity("100Gi"));
    String machine = sha256Hex(name).substring(0, 32);
    return new NodeStatusBuilder()
        .addNewAddress().withType("InternalIP").withAddress(address()).endAddress()
        .addNewAddress().withType("Hostname").withAddress(name).endAddress()
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(LabNetwork.KUBELET_PORT).endKubeletEndpoint().endDaemonEndpoints()
        .withCapacity(capacity)
        .withAllocatable(capacity)
        .withConditions(conditions)
        .withNewNodeInfo()
        .withMachineID(machine)
        .withSystemUUID(machine.substring(0, 8) + "-" + machine.substring(8, 12) + "-" + machine.substring(12, 16) + "-"
            + machine.substring(16, 20) + "-" + machine.substring(20, 32))
        .withBootID(sha256Hex(name + "-boot").substring(0, 32))
        .withKernelVersion("6.1.0-lab-amd64")
        .withOsImage("Debian GNU/Linux 12 (bookworm)")
        .withContainerRuntimeVersion(CONTAINER_RUNTIME_VERSION)
        .withKubeletVersion(KUBELET_VERSION)
        .withOperatingSystem("linux")
        .withArchitecture("amd64")
        .endNodeInfo()
        .build();
  }

  private static NodeCondition condition(String type, String status, String reason, String message, String now) {
    return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
  }

  private NodeCondition readyCondition(String status, String reason, String message) {
    String now = rfc3339(Instant.now());
    return condition("Ready", status, reason, message, now);
  }

  private void patchNodeStatus(KubernetesClient as, NodeCondition ready) {
    Map<String, Object> patch = Map.of("status", nodeStatus(ready));
    String json = as.getKubernetesSerialization().asJson(patch);
    as.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  // ---------------------------------------------------------------- pods (kubelet side)

  private final class PodHandler implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      submit(() -> sync(pod));
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      submit(() -> sync(newPod));
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      submit(() -> {
        String key = key(pod);
        PodRuntime rt = runtimes.get(key);
        if (rt != null && rt.uid.equals(pod.getMetadata().getUid())) {
          runtimes.remove(key);
        }
      });
    }
  }

  private void submit(Runnable task) {
    try {
      worker.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          lab.log("node " + name + ": " + e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private void sync(Pod pod) {
    if (!name.equals(pod.getSpec().getNodeName())) {
      return;
    }
    String key = key(pod);
    String uid = pod.getMetadata().getUid();
    PodRuntime rt = runtimes.get(key);
    if (rt == null || !rt.uid.equals(uid)) {
      rt = new PodRuntime(uid, LabNetwork.podIp(index, podCounter.incrementAndGet()), Instant.now().truncatedTo(ChronoUnit.SECONDS));
      boolean hold = "true".equals(pod.getMetadata().getAnnotations() == null ? null
          : pod.getMetadata().getAnnotations().get(HOLD_ANNOTATION));
      if (pod.getSpec().getInitContainers() != null) {
        for (var c : pod.getSpec().getInitContainers()) {
          ContainerRuntime init = new ContainerRuntime(c.getName(), c.getImage(), true);
          if (!hold) {
            run(init);
            terminate(init, 0);
          } else {
            init.phase = ContainerPhase.WAITING;
          }
          rt.containers.put(c.getName(), init);
        }
      }
      for (var c : pod.getSpec().getContainers()) {
        ContainerRuntime container = new ContainerRuntime(c.getName(), c.getImage(), false);
        if (hold) {
          container.phase = ContainerPhase.WAITING;
        } else {
          run(container);
        }
        rt.containers.put(c.getName(), container);
      }
      if (hold) {
        rt.phaseOverride = "Pending";
      }
      runtimes.put(key, rt);
      pushStatus(pod, rt);
      return;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null && !rt.deleting) {
      rt.deleting = true;
      for (ContainerRuntime c : rt.containers.values()) {
        if (c.phase == ContainerPhase.RUNNING) {
          terminate(c, 0);
        }
      }
      pushStatus(pod, rt);
      try {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .withGracePeriod(0).delete();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  private static void run(ContainerRuntime c) {
    c.phase = ContainerPhase.RUNNING;
    byte[] id = new byte[32];
    RANDOM.nextBytes(id);
    c.id = HexFormat.of().formatHex(id);
    c.startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    c.finishedAt = null;
    c.exitCode = 0;
  }

  private static void terminate(ContainerRuntime c, int exitCode) {
    if (c.id == null) {
      byte[] id = new byte[32];
      RANDOM.nextBytes(id);
      c.id = HexFormat.of().formatHex(id);
      c.startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }
    c.phase = ContainerPhase.TERMINATED;
    c.exitCode = exitCode;
    c.finishedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  private static ContainerState state(ContainerRuntime c) {
    return switch (c.phase) {
      case WAITING -> new ContainerStateBuilder().withNewWaiting().withReason("ContainerCreating").endWaiting().build();
      case RUNNING -> new ContainerStateBuilder().withNewRunning().withStartedAt(rfc3339(c.startedAt)).endRunning().build();
      case TERMINATED -> new ContainerStateBuilder().withNewTerminated()
          .withExitCode(c.exitCode)
          .withReason(c.exitCode == 0 ? "Completed" : "Error")
          .withStartedAt(rfc3339(c.startedAt))
          .withFinishedAt(rfc3339(c.finishedAt))
          .withContainerID("containerd://" + c.id)
          .endTerminated().build();
    };
  }

  private ContainerStatus containerStatus(ContainerRuntime c) {
    ContainerStatusBuilder b = new ContainerStatusBuilder()
        .withName(c.name)
        .withImage(normalizeImage(c.image))
        .withImageID(c.phase == ContainerPhase.WAITING ? "" : imageId(c.image))
        .withState(state(c))
        .withLastState(c.lastState == null ? new ContainerState() : c.lastState)
        .withReady(c.phase == ContainerPhase.RUNNING && !c.init)
        .withStarted(c.phase == ContainerPhase.RUNNING)
        .withRestartCount(c.restartCount);
    if (c.phase != ContainerPhase.WAITING) {
      b.withContainerID("containerd://" + c.id);
    }
    return b.build();
  }

  private void pushStatus(Pod pod, PodRuntime rt) {
    List<ContainerStatus> statuses = new ArrayList<>();
    List<ContainerStatus> initStatuses = new ArrayList<>();
    List<String> unready = new ArrayList<>();
    boolean anyRunning = false;
    boolean allTerminated = true;
    boolean allSucceeded = true;
    boolean anyWaiting = false;
    for (ContainerRuntime c : rt.containers.values()) {
      if (c.init) {
        initStatuses.add(containerStatus(c));
        continue;
      }
      statuses.add(containerStatus(c));
      if (c.phase != ContainerPhase.RUNNING) {
        unready.add(c.name);
      }
      anyRunning |= c.phase == ContainerPhase.RUNNING;
      anyWaiting |= c.phase == ContainerPhase.WAITING;
      allTerminated &= c.phase == ContainerPhase.TERMINATED;
      allSucceeded &= c.phase == ContainerPhase.TERMINATED && c.exitCode == 0;
    }
    String phase;
    if (rt.phaseOverride != null) {
      phase = rt.phaseOverride;
    } else if (allTerminated && !statuses.isEmpty()) {
      phase = allSucceeded ? "Succeeded" : "Failed";
    } else if (anyRunning || !anyWaiting) {
      phase = "Running";
    } else {
      phase = "Pending";
    }
    boolean ready = unready.isEmpty() && !rt.deleting;
    String now = rfc3339(Instant.now());
    String unreadyMessage = "containers with unready status: [" + String.join(" ", unready) + "]";
    List<PodCondition> conditions = List.of(
        podCondition("PodReadyToStartContainers", "Pending".equals(phase) && anyWaiting ? "False" : "True", null, null, now),
        podCondition("Initialized", "True", null, null, now),
        podCondition("Ready", ready ? "True" : "False", ready ? null : "ContainersNotReady", ready ? null : unreadyMessage, now),
        podCondition("ContainersReady", ready ? "True" : "False", ready ? null : "ContainersNotReady", ready ? null : unreadyMessage, now),
        podCondition("PodScheduled", "True", null, null, rfc3339(rt.startTime)));
    PodStatusBuilder status = new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(conditions)
        .withHostIP(address())
        .addNewHostIP().withIp(address()).endHostIP()
        .withStartTime(rfc3339(rt.startTime))
        .withContainerStatuses(statuses);
    if (!initStatuses.isEmpty()) {
      status.withInitContainerStatuses(initStatuses);
    }
    if (!"Pending".equals(phase) || !anyWaiting) {
      status.withPodIP(rt.podIp).addNewPodIP().withIp(rt.podIp).endPodIP();
    }
    PodStatus built = status.build();
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("metadata", Map.of("uid", rt.uid));
    patch.put("status", built);
    String json = client.getKubernetesSerialization().asJson(patch);
    // The Node authorizer learns of a pod's binding from its own watch: a node that sees a pod
    // created a moment ago may be refused (403 "no relationship found") for a short while. A real
    // kubelet retries its status sync; so does this one, briefly.
    for (int attempt = 1; ; attempt++) {
      try {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), json);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404 || e.getCode() == 409) {
          return;
        }
        if (e.getCode() != 403 || attempt >= 20) {
          throw e;
        }
        sleepQuietly(100L * attempt);
      }
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static PodCondition podCondition(String type, String status, String reason, String message, String time) {
    return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(time).withLastProbeTime(null).build();
  }

  static String normalizeImage(String image) {
    if (image == null || image.isEmpty()) {
      return image;
    }
    String name = image;
    String firstPart = name.contains("/") ? name.substring(0, name.indexOf('/')) : "";
    boolean hasRegistry = firstPart.contains(".") || firstPart.contains(":") || firstPart.equals("localhost");
    if (!hasRegistry) {
      name = (name.contains("/") ? "docker.io/" : "docker.io/library/") + name;
    }
    String lastSegment = name.substring(name.lastIndexOf('/') + 1);
    if (!lastSegment.contains(":") && !lastSegment.contains("@")) {
      name = name + ":latest";
    }
    return name;
  }

  static String imageId(String image) {
    String normalized = normalizeImage(image);
    String repo = normalized.contains("@") ? normalized.substring(0, normalized.indexOf('@'))
        : normalized.substring(0, normalized.lastIndexOf(':'));
    return repo + "@sha256:" + sha256Hex("image:" + normalized);
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String rfc3339(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  // ---------------------------------------------------------------- the kubelet HTTP API

  private KubeletHttpServer.Response handle(KubeletHttpServer.Request request) {
    Instant start = Instant.now();
    String[] user = {"", null};
    List<String> groups = new ArrayList<>();
    String[] archive = {null};
    KubeletHttpServer.Response response;
    boolean checkpointPath = request.path().equals("/checkpoint") || request.path().startsWith("/checkpoint/");
    try {
      response = dispatch(request, user, groups, archive);
    } catch (RuntimeException e) {
      lab.log("node " + name + ": error handling " + request.target() + ": " + e);
      response = KubeletHttpServer.Response.text(500, "Internal Server Error");
    }
    if (checkpointPath) {
      CheckpointCall call = new CheckpointCall(start, Instant.now(), request.method(), request.target(), user[0],
          List.copyOf(groups), response.kind() == KubeletHttpServer.Kind.NORMAL ? response.status() : 0,
          response.kind() == KubeletHttpServer.Kind.NORMAL ? recorded(response.body()) : response.kind().name(),
          archive[0]);
      calls.add(call);
      appendCallLog(call);
    }
    return response;
  }

  /** A body as kept in {@link #calls()} and the call log: whole unless huge ({@link KubeletFault#HUGE_BODY}). */
  private static String recorded(byte[] body) {
    int keep = Math.min(body.length, 4096);
    String text = new String(body, 0, keep, StandardCharsets.UTF_8);
    return keep == body.length ? text : text.strip() + " [... " + body.length + " bytes]";
  }

  private void appendCallLog(CheckpointCall call) {
    String line = call.start() + " " + call.method() + " " + call.target() + " user=" + call.user() + " groups="
        + call.groups() + " -> " + call.status() + " (" + call.durationMillis() + " ms) "
        + call.body().replace("\n", "\\n") + "\n";
    try {
      Files.writeString(callLog, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // diagnostics only
    }
  }

  private KubeletHttpServer.Response dispatch(KubeletHttpServer.Request request, String[] userOut, List<String> groupsOut,
      String[] archiveOut) {
    String path = request.path();
    boolean checkpointPath = path.equals("/checkpoint") || path.startsWith("/checkpoint/");
    if (!checkpointGate || !checkpointPath) {
      // route not registered: Go's http.NotFound, before any authentication
      return new KubeletHttpServer.Response(KubeletHttpServer.Kind.NORMAL, 404,
          Map.of("Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff"),
          "404 page not found\n".getBytes(StandardCharsets.UTF_8));
    }
    // authentication [K4]
    UserInfo user = authenticate(request);
    if (user == null) {
      return KubeletHttpServer.Response.text(401, "Unauthorized");
    }
    userOut[0] = user.name();
    groupsOut.addAll(user.groups());
    // authorization [K5, K7]: nodes/checkpoint, verb from the method
    String verb = switch (request.method()) {
      case "POST" -> "create";
      case "GET" -> "get";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> "";
    };
    Boolean allowed = authorize(user, verb);
    if (allowed == null) {
      return KubeletHttpServer.Response.text(500, "Authorization error (user=" + user.name() + ", verb=" + verb
          + ", resource=nodes, subresource=checkpoint)");
    }
    if (!allowed) {
      return KubeletHttpServer.Response.text(403, "Forbidden (user=" + user.name() + ", verb=" + verb
          + ", resource=nodes, subresource(s)=[checkpoint])\n");
    }
    // go-restful routing [K18-K21]
    String rest = path.substring("/checkpoint".length());
    String trimmed = rest.replaceAll("^/+", "").replaceAll("/+$", "");
    String[] segments = trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    boolean shapeOk = segments.length == 3;
    for (String s : segments) {
      shapeOk &= !s.isEmpty();
    }
    if (!shapeOk) {
      return KubeletHttpServer.Response.text(404, "404: Page Not Found");
    }
    if (!"POST".equals(request.method())) {
      return new KubeletHttpServer.Response(KubeletHttpServer.Kind.NORMAL, 405,
          Map.of("Content-Type", "text/plain; charset=utf-8", "Allow", "POST"),
          "405: Method Not Allowed".getBytes(StandardCharsets.UTF_8));
    }
    String accept = request.header("accept");
    if (accept != null && !accept.isEmpty() && !acceptsJson(accept)) {
      String length = request.header("content-length");
      boolean emptyBody = request.body().length == 0 && (length == null || length.isEmpty() || length.equals("0"));
      return emptyBody
          ? KubeletHttpServer.Response.text(415, "415: Unsupported Media Type\n\nAvailable representations: application/json")
          : KubeletHttpServer.Response.text(406, "406: Not Acceptable\n\nAvailable representations: application/json");
    }
    return checkpoint(segments[0], segments[1], segments[2], request.query().get("timeout"), archiveOut);
  }

  private static boolean acceptsJson(String accept) {
    for (String part : accept.split(",")) {
      String type = part.split(";")[0].trim();
      if (type.equals("*/*") || type.equals("application/json")) {
        return true;
      }
    }
    return false;
  }

  /** The kubelet's checkpoint handler and CheckpointContainer, in their order [K8-K17]. */
  private KubeletHttpServer.Response checkpoint(String namespace, String podName, String container,
      List<String> timeoutValues, String[] archiveOut) {
    SharedIndexInformer<Pod> informer = podInformer;
    Pod pod = informer == null ? null : informer.getStore().getByKey(namespace + "/" + podName);
    if (pod == null) {
      return KubeletHttpServer.Response.text(404, "pod does not exist");
    }
    boolean inSpec = pod.getSpec().getContainers().stream().anyMatch(c -> c.getName().equals(container))
        || pod.getSpec().getInitContainers() != null
        && pod.getSpec().getInitContainers().stream().anyMatch(c -> c.getName().equals(container))
        || pod.getSpec().getEphemeralContainers() != null
        && pod.getSpec().getEphemeralContainers().stream().anyMatch(c -> c.getName().equals(container));
    if (!inSpec) {
      return KubeletHttpServer.Response.text(404, "container " + container + " does not exist");
    }
    Long timeout = null;
    if (timeoutValues != null && !timeoutValues.isEmpty()) {
      String value = timeoutValues.get(timeoutValues.size() - 1);
      try {
        timeout = Long.parseLong(value);
      } catch (NumberFormatException e) {
        return KubeletHttpServer.Response.text(404, "cannot parse value of timeout parameter");
      }
    }
    String prefix = "checkpointing of " + namespace + "/" + podName + "/" + container + " failed (";
    // CheckpointContainer: the location is computed first (local time, second resolution)
    String timestamp = ZonedDateTime.now().format(RFC3339_SECONDS);
    String fileName = "checkpoint-" + podName + "_" + namespace + "-" + container + "-" + timestamp + ".tar";
    String location = rootDir + "/checkpoints/" + fileName;
    PodRuntime rt = runtimes.get(namespace + "/" + podName);
    ContainerRuntime c = rt == null || !rt.uid.equals(pod.getMetadata().getUid()) ? null : rt.containers.get(container);
    if (c == null || c.phase != ContainerPhase.RUNNING) {
      return KubeletHttpServer.Response.text(500, prefix + "container " + container + " not found)");
    }
    if (timeout != null && timeout < 0) {
      return KubeletHttpServer.Response.text(500, prefix + "CheckpointContainer requires the timeout value to be > 0)");
    }
    String containerKey = namespace + "/" + podName + "/" + container;
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    AtomicInteger perContainer = inFlightByContainer.computeIfAbsent(containerKey, k -> new AtomicInteger());
    if (perContainer.incrementAndGet() > 1) {
      sameContainerOverlaps.incrementAndGet();
    }
    try {
      KubeletFault fault = nextFault(container);
      if (fault == KubeletFault.HANG) {
        return KubeletHttpServer.Response.of(KubeletHttpServer.Kind.HANG);
      }
      if (fault == KubeletFault.RESET_BEFORE_RESPONSE) {
        return KubeletHttpServer.Response.of(KubeletHttpServer.Kind.RESET_BEFORE_RESPONSE);
      }
      if (fault == KubeletFault.RUNTIME_UNSUPPORTED) {
        return KubeletHttpServer.Response.text(500,
            prefix + "rpc error: code = Unimplemented desc = method CheckpointContainer not implemented)");
      }
      sleep(latency);
      if (fault == KubeletFault.DEADLINE_EXCEEDED) {
        return KubeletHttpServer.Response.text(500,
            prefix + "rpc error: code = DeadlineExceeded desc = context deadline exceeded)");
      }
      if (fault == KubeletFault.CRIU_FAILURE) {
        return KubeletHttpServer.Response.text(500, prefix + "rpc error: code = Unknown desc = " + crioCriuFailure(c.id) + ")");
      }
      if (fault == KubeletFault.DISK_FULL) {
        return KubeletHttpServer.Response.text(500, prefix + "rpc error: code = Unknown desc = failed to write file"
            + " system changes of container " + c.id + ": error creating checkpoint export file \"" + location
            + "\": open " + location + ": no space left on device)");
      }
      if (fault == KubeletFault.CRIU_FAILURE_CONTAINERD) {
        return KubeletHttpServer.Response.text(500,
            prefix + "rpc error: code = Unknown desc = " + containerdCriuFailure(c.id) + ")");
      }
      Path file = checkpointDir().resolve(fileName);
      if (!archiveNames.add(fileName)) {
        archiveNameCollisions.incrementAndGet();
      }
      CheckpointArchive.write(file);
      checkpointsWritten.incrementAndGet();
      archiveOut[0] = location;
      return checkpointed(location, fault);
    } finally {
      perContainer.decrementAndGet();
      inFlight.decrementAndGet();
    }
  }

  /** The 200 for an archive written at {@code location} [K1], as {@code fault} (null: none) mangles it on its way out. */
  private static KubeletHttpServer.Response checkpointed(String location, KubeletFault fault) {
    String items = "{\"items\":[" + goJsonString(location) + "]}";
    Map<String, String> json = Map.of("Content-Type", "application/json");
    KubeletHttpServer.Kind kind = KubeletHttpServer.Kind.NORMAL;
    String body = items;
    if (fault == KubeletFault.RESET_MID_RESPONSE) {
      kind = KubeletHttpServer.Kind.RESET_MID_RESPONSE;
    } else if (fault == KubeletFault.SLOW_DRIP) {
      kind = KubeletHttpServer.Kind.SLOW_DRIP;
    } else if (fault == KubeletFault.HUGE_BODY) {
      body = items + " ".repeat(HUGE_BODY_BYTES - items.length());
    } else if (fault == KubeletFault.NOT_JSON) {
      return new KubeletHttpServer.Response(kind, 200, Map.of("Content-Type", "text/html; charset=utf-8"),
          "<html><head><title>Checkpoint</title></head><body>Checkpoint done.</body></html>"
              .getBytes(StandardCharsets.UTF_8));
    } else if (fault == KubeletFault.NO_ITEMS) {
      body = "{\"items\":[]}";
    } else if (fault == KubeletFault.SEVERAL_ITEMS) {
      body = "{\"items\":[" + goJsonString(location) + "," + goJsonString(location.replace(".tar", "-1.tar")) + "]}";
    }
    return new KubeletHttpServer.Response(kind, 200, json, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Size of the {@link KubeletFault#HUGE_BODY} answer. */
  static final int HUGE_BODY_BYTES = 10 << 20;

  private KubeletFault nextFault(String container) {
    for (FaultRule rule : faults) {
      if (rule.container() != null && !rule.container().equals(container)) {
        continue;
      }
      int left = rule.remaining().get();
      if (left < 0) {
        return rule.fault();
      }
      while (left > 0) {
        if (rule.remaining().compareAndSet(left, left - 1)) {
          return rule.fault();
        }
        left = rule.remaining().get();
      }
    }
    return null;
  }

  private static void sleep(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** CRI-O [C8] with runc's logrus line [5a]. */
  static String crioCriuFailure(String id) {
    String userdata = "/var/lib/containers/storage/overlay-containers/" + id + "/userdata";
    String bundle = "/run/containers/storage/overlay-containers/" + id + "/userdata";
    List<String> args = List.of("checkpoint", "--file-locks", "--image-path", bundle + "/checkpoint",
        "--work-path", userdata, "--leave-running", id);
    StringBuilder quoted = new StringBuilder("[");
    for (int i = 0; i < args.size(); i++) {
      quoted.append(i == 0 ? "" : " ").append('"').append(args.get(i)).append('"');
    }
    quoted.append(']');
    String commandLine = "/usr/bin/runc --root /run/runc --systemd-cgroup " + String.join(" ", args);
    String stderr = "time=\"" + ZonedDateTime.now(ZoneOffset.UTC).format(RFC3339_SECONDS)
        + "\" level=error msg=\"criu failed: type NOTIFY errno 0\\nlog file: " + userdata + "/dump.log\"\n";
    return "failed to checkpoint container " + id + ": running \"/usr/bin/runc\" " + quoted + " failed: `"
        + commandLine + "` failed: " + stderr + " : exit status 1";
  }

  /** containerd 2.x, CRIU dump failure in the runc shim [D8]. */
  static String containerdCriuFailure(String id) {
    String bundle = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + id;
    return "checkpointing container \"" + id + "\" failed: runc did not terminate successfully: exit status 1: time=\""
        + ZonedDateTime.now(ZoneOffset.UTC).format(RFC3339_SECONDS)
        + "\" level=error msg=\"criu failed: type NOTIFY errno 0\\nlog file: " + bundle + "/criu-dump.log\" path= "
        + bundle + "/criu-dump.log: unknown";
  }

  /** A JSON string as Go's encoding/json writes it (HTML characters escaped). */
  static String goJsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<', '>', '&' -> b.append(String.format("\\u%04x", (int) ch));
        default -> {
          if (ch < 0x20) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  // ---------------------------------------------------------------- authn / authz

  private UserInfo authenticate(KubeletHttpServer.Request request) {
    UserInfo fromCert = fromClientCertificate(request);
    if (fromCert != null) {
      return fromCert;
    }
    String authorization = request.header("authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = authorization.substring(7).trim();
      if (token.isEmpty()) {
        return null;
      }
      try {
        TokenReview review = client.authentication().v1().tokenReviews()
            .create(new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build());
        if (review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
          var u = review.getStatus().getUser();
          return new UserInfo(u.getUsername(), u.getUid(), u.getGroups() == null ? List.of() : u.getGroups(),
              u.getExtra() == null ? Map.of() : u.getExtra());
        }
      } catch (KubernetesClientException e) {
        lab.log("node " + name + ": TokenReview failed: " + e.getMessage());
      }
    }
    return null;
  }

  private UserInfo fromClientCertificate(KubeletHttpServer.Request request) {
    Certificate[] chain;
    try {
      chain = request.session().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return null;
    }
    try {
      leaf.verify(clusterCa.getPublicKey());
      leaf.checkValidity();
      List<String> usages = leaf.getExtendedKeyUsage();
      if (usages != null && !usages.contains("1.3.6.1.5.5.7.3.2")) {
        return null;
      }
    } catch (Exception e) {
      return null;
    }
    List<String> groups = new ArrayList<>(Pki.organizations(leaf));
    groups.add("system:authenticated");
    return new UserInfo(Pki.commonName(leaf), "", groups, Map.of());
  }

  /** true allowed, false denied, null when the SubjectAccessReview itself failed. */
  private Boolean authorize(UserInfo user, String verb) {
    SubjectAccessReview review = new SubjectAccessReviewBuilder()
        .withNewSpec()
        .withUser(user.name())
        .withUid(user.uid() == null || user.uid().isEmpty() ? null : user.uid())
        .withGroups(user.groups())
        .withExtra(user.extra().isEmpty() ? null : user.extra())
        .withNewResourceAttributes()
        .withVerb(verb)
        .withGroup("")
        .withVersion("v1")
        .withResource("nodes")
        .withSubresource("checkpoint")
        .withName(name)
        .endResourceAttributes()
        .endSpec()
        .build();
    try {
      SubjectAccessReview result = client.authorization().v1().subjectAccessReview().create(review);
      return result.getStatus() != null && Boolean.TRUE.equals(result.getStatus().getAllowed());
    } catch (KubernetesClientException e) {
      lab.log("node " + name + ": SubjectAccessReview failed: " + e.getMessage());
      return null;
    }
  }

  // ---------------------------------------------------------------- TLS

  /** Serves {@code identity}; asks for (does not require) a client certificate and verifies it itself. */
  private static SSLContext servingContext(Pki.Issued identity, X509Certificate clientCa) {
    try {
      var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(Pki.keyStore(identity), new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {new AcceptAnyClient(clientCa)}, RANDOM);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Accepts any client certificate at the TLS level (like Go's tls.RequestClientCert); the kubelet's
   * x509 authenticator checks it afterwards, so a bad certificate gives 401, not a handshake failure.
   */
  private static final class AcceptAnyClient extends X509ExtendedTrustManager {
    private final X509Certificate[] issuers;

    AcceptAnyClient(X509Certificate ca) {
      this.issuers = new X509Certificate[] {ca};
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
      throw new java.security.cert.CertificateException("server side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
        throws java.security.cert.CertificateException {
      throw new java.security.cert.CertificateException("server side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
        throws java.security.cert.CertificateException {
      throw new java.security.cert.CertificateException("server side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return issuers.clone();
    }
  }

  @Override
  public String toString() {
    return name + " (" + address() + ")";
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
