package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A simulated kubelet: registers its Node with its own client certificate (system:node:NAME), runs
 * the pods bound to it (status updates like a kubelet; no processes, except for the operator's
 * collector pods, which {@link PodRunner} runs as local JVMs), and serves
 * {@code POST /checkpoint/{ns}/{pod}/{container}} on 198.18.0.N:10250 with the real kubelet's
 * authentication (client certificate, or bearer token via TokenReview), authorization
 * (SubjectAccessReview create nodes/checkpoint), status codes and bodies
 * (docs/design/kubelet-answers.md sections 1-3, 1.32+ formats). Successful checkpoints
 * write a real-looking archive ({@link CheckpointArchive}) into {@link #checkpointDir()}.
 *
 * <p>This class is the tests' handle; the jobs are done by its parts: {@link NodeStatusReporter}
 * (the Node object), {@link SimulatedPods} (pod lifecycle), {@link KubeletCheckpointApi} with
 * {@link KubeletAuthenticator} and {@link KubeletAuthorizer} (the HTTP endpoint), {@link FaultPlan}
 * (fault injection), {@link NodeArchiveStore} (archive writing) and {@link CheckpointLedger}
 * (what the node saw).
 *
 * <p>Every fault is switchable at runtime: {@link #inject}, {@link #setLatency},
 * {@link #setCheckpointGate}, {@link #serveCertificateFromOtherCa}, {@link #stallTlsHandshake},
 * {@link #makeUnreachable}.
 */
public final class SimulatedNode implements LabNode, AutoCloseable {

  /** Pods with this annotation set to "true" stay Pending (ContainerCreating) until {@link #startPod}. */
  public static final String HOLD_ANNOTATION = "lab.forensics.ckpt.io/hold";
  public static final String CONTAINER_RUNTIME_VERSION = "containerd://2.1.0";
  public static final String KUBELET_VERSION = "v1.37.2";

  private final Lab lab;
  private final int index;
  private final String name;
  private final InetAddress address;
  private final Pki.Issued clientIdentity;
  private final FaultPlan faults;
  private final NodeArchiveStore archives;
  private final CheckpointLedger ledger;
  private final NodeStatusReporter status;
  private final SimulatedPods pods;
  private final PodRunner runner;
  private final KubeletHttpServer server;
  private final KubeletContainerLogs containerLogs;
  private volatile boolean reachable = true;
  private volatile KubernetesClient client;

  SimulatedNode(Lab lab, int index, String name, Path dataDir, String reportedRootDir, boolean checkpointGate,
      Pki.Issued clientIdentity, Pki.Issued servingIdentity, Pki.Issued rogueServingIdentity, X509Certificate clusterCa) {
    this.lab = lab;
    this.index = index;
    this.name = name;
    this.address = LabNetwork.nodeAddress(index);
    this.clientIdentity = clientIdentity;
    this.faults = new FaultPlan(checkpointGate);
    this.archives = new NodeArchiveStore(dataDir, reportedRootDir);
    this.ledger = new CheckpointLedger(dataDir.resolve("kubelet.log"));
    this.status = new NodeStatusReporter(name, address(), lab.options().containerRuntimeVersion(name));
    this.runner = new PodRunner(name, dataDir.resolve("pods"), new VolumeMapping(name, dataDir, archives.rootDir(),
        lab.runDir().resolve("claims"), this::readSecret), lab.options().podProcessesPerNode(), lab::log);
    this.pods = new SimulatedPods(name, index, address(), runner, lab::log);
    KubeletAuthenticator authenticator = new KubeletAuthenticator(name, clusterCa, this::client, lab::log);
    KubeletAuthorizer authorizer = new KubeletAuthorizer(name, this::client, lab::log);
    KubeletCheckpointApi api = new KubeletCheckpointApi(name, faults, authenticator, authorizer, pods, archives,
        ledger, lab::log);
    this.containerLogs = new KubeletContainerLogs(name, authenticator, authorizer, pods, lab::log);
    SSLContext serving = KubeletServingTls.context(servingIdentity, clusterCa);
    SSLContext rogue = KubeletServingTls.context(rogueServingIdentity, clusterCa);
    this.server = new KubeletHttpServer(name, address, LabNetwork.KUBELET_PORT,
        () -> faults.rogueCertificate() ? rogue : serving, faults::stallHandshake,
        request -> route(request, api));
  }

  /** /containerLogs (pods/log through the API server) and /checkpoint; everything else is the checkpoint API's 404. */
  private KubeletHttpServer.Response route(KubeletHttpServer.Request request, KubeletCheckpointApi api) {
    return KubeletContainerLogs.handles(request.path()) ? containerLogs.handle(request) : api.handle(request);
  }

  // ---------------------------------------------------------------- lifecycle

  void start() {
    try {
      archives.create();
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("node " + name + ": cannot start the kubelet server on "
          + address.getHostAddress() + ":" + LabNetwork.KUBELET_PORT, e);
    }
    client = lab.clientWithIdentity(clientIdentity);
    status.register(client);
    pods.start(client);
  }

  @Override
  public void close() {
    server.stop();
    pods.close();
    KubernetesClient c = client;
    if (c != null) {
      c.close();
    }
  }

  // ---------------------------------------------------------------- accessors

  @Override
  public String name() {
    return name;
  }

  /** 1-based. */
  public int index() {
    return index;
  }

  /** The node's InternalIP, e.g. 198.18.0.11. */
  @Override
  public String address() {
    return address.getHostAddress();
  }

  public int kubeletPort() {
    return LabNetwork.KUBELET_PORT;
  }

  /** Where archives are really written: {@code <run>/nodes/<name>/checkpoints}. */
  public Path checkpointDir() {
    return archives.dir();
  }

  /** The kubelet root dir as reported in checkpoint paths. */
  @Override
  public String rootDir() {
    return archives.rootDir();
  }

  /** The real file for a path this kubelet returned in {@code items}. */
  @Override
  public Path archiveFile(String reportedPath) {
    return archives.file(reportedPath);
  }

  /** The node's API client (identity system:node:NAME). */
  public KubernetesClient client() {
    return client;
  }

  /**
   * The directory of a pod this node runs for real ({@link PodRunner}): {@code volumes/<name>} for
   * emptyDir and secret volumes, {@code <container>/container.log} and {@code <container>/termination-log}.
   */
  public Path podDir(String podUid) {
    return runner.podDir(podUid);
  }

  /** Container processes of lab-run pods alive on this node now. */
  public int runningPodProcesses() {
    return runner.runningProcesses();
  }

  /**
   * A Secret's data for a secret volume, null when absent. Read as the lab's admin: the node's own
   * identity may read a Secret only once the Node authorizer has linked it to a pod bound here, which
   * lags behind the pod's creation.
   */
  private Map<String, byte[]> readSecret(String namespace, String secretName) {
    Secret secret = lab.adminClient().secrets().inNamespace(namespace).withName(secretName).get();
    if (secret == null) {
      return null;
    }
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    return data;
  }

  // ---------------------------------------------------------------- faults

  /** The kubelet feature gate ContainerCheckpoint: off gives 404 "404 page not found" on /checkpoint, no auth. */
  public SimulatedNode setCheckpointGate(boolean on) {
    faults.checkpointGate(on);
    return this;
  }

  public boolean checkpointGate() {
    return faults.checkpointGate();
  }

  /** Time every checkpoint takes in the "runtime" (after all checks), e.g. a big container's CRIU dump. */
  public SimulatedNode setLatency(Duration latency) {
    faults.latency(latency);
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
    faults.add(fault, container, times);
    return this;
  }

  public SimulatedNode clearFaults() {
    faults.clearRules();
    return this;
  }

  /** Serve a kubelet certificate signed by a CA the API server does not trust (x509 error through the proxy). */
  public SimulatedNode serveCertificateFromOtherCa(boolean on) {
    if (faults.rogueCertificate(on)) {
      server.dropConnections();
    }
    return this;
  }

  /** Accept TCP connections but never answer the TLS handshake (the client's handshake timeout fires). */
  public SimulatedNode stallTlsHandshake(boolean on) {
    if (faults.stallHandshake(on)) {
      server.dropConnections();
    }
    return this;
  }

  /** Stops the kubelet server (connection refused) and marks the Node Ready=Unknown, as the node lifecycle controller would. */
  public SimulatedNode makeUnreachable() {
    reachable = false;
    server.stop();
    status.reportUnknown(lab.adminClient());
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
    status.reportReady(client);
    return this;
  }

  public boolean isReachable() {
    return reachable;
  }

  /** Back to a healthy node: no faults, no latency, gate as configured at lab start, own certificate, reachable. */
  public SimulatedNode reset() {
    faults.reset();
    if (!reachable) {
      makeReachable();
    }
    return this;
  }

  // ---------------------------------------------------------------- observations

  /** Every /checkpoint request received so far (oldest first). */
  public List<CheckpointCall> calls() {
    return ledger.calls();
  }

  public void clearCalls() {
    ledger.clear();
  }

  /**
   * Checkpoints running now (runtime phase: authenticated, authorized, dumping): a test waits on this
   * for "the call reached the kubelet" instead of sleeping.
   */
  public int checkpointsInProgress() {
    return ledger.inProgress();
  }

  /** The highest number of checkpoints this node ran at the same time (runtime phase only). */
  public int maxConcurrentCheckpoints() {
    return ledger.maxInProgress();
  }

  /** How often a checkpoint started while another one of the same container was still running. */
  public int sameContainerOverlaps() {
    return ledger.sameContainerOverlaps();
  }

  public long checkpointsWritten() {
    return archives.written();
  }

  /**
   * How often a checkpoint got the archive path of an earlier one (same container, same second): on a
   * real node CRI-O and containerd then write into the earlier archive without truncating it.
   */
  public int archiveNameCollisions() {
    return archives.collisions();
  }

  // ---------------------------------------------------------------- pods (test controls)

  /** Adds to a container's log as the kubelet serves it for pods/log (empty until written). */
  public void appendContainerLog(String namespace, String pod, String container, byte[] bytes) {
    containerLogs.append(namespace, pod, container, bytes);
  }

  /** The container ID as reported in status, {@code containerd://<64 hex>}; empty when not started. */
  public Optional<String> containerId(String namespace, String pod, String container) {
    return pods.containerId(namespace, pod, container);
  }

  /** The container exits with {@code exitCode} (pod phase follows: Succeeded/Failed when none runs any more). */
  public void terminateContainer(String namespace, String pod, String container, int exitCode) {
    pods.terminateContainer(namespace, pod, container, exitCode);
  }

  /** The container restarts: new container ID, restartCount + 1, lastState terminated. */
  public void restartContainer(String namespace, String pod, String container) {
    pods.restartContainer(namespace, pod, container);
  }

  /**
   * Forces the pod phase: Pending (containers waiting), Running (all containers running),
   * Succeeded (all exited 0) or Failed (all exited 1).
   */
  public void setPodPhase(String namespace, String pod, String phase) {
    pods.setPodPhase(namespace, pod, phase);
  }

  /** Starts a pod that was created with {@link #HOLD_ANNOTATION}. */
  public void startPod(String namespace, String pod) {
    setPodPhase(namespace, pod, "Running");
  }

  @Override
  public String toString() {
    return name + " (" + address() + ")";
  }
}
