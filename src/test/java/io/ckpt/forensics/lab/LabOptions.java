package io.ckpt.forensics.lab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** How to start a {@link Lab}. Fluent and mutable; {@code Lab.start} takes a copy of the values it needs. */
public final class LabOptions {

  /** The group kubeadm (1.29+) puts in the API server's kubelet-client certificate, bound to cluster-admin. */
  public static final String KUBEADM_CLUSTER_ADMINS = "kubeadm:cluster-admins";

  private String name = "lab";
  private int nodes = 2;
  private String nodeNamePrefix = "worker-";
  private List<String> apiServerKubeletClientGroups = List.of(KUBEADM_CLUSTER_ADMINS);
  private boolean bindKubeadmClusterAdmins = true;
  private int apiServerPort = 6443;
  private Path labDir;
  private Path binDir;
  private boolean checkpointGate = true;
  private String kubeletRootDir;
  private final List<String> extraApiServerArgs = new ArrayList<>();
  private Duration startTimeout = Duration.ofSeconds(120);
  private boolean keepEtcdData;
  private int podProcessesPerNode = 2;
  private int realNodes;
  private Duration realNodeRuntimeRequestTimeout = RealKubeletNode.DEFAULT_RUNTIME_REQUEST_TIMEOUT;
  private final Map<String, String> containerRuntimeVersions = new HashMap<>();

  public static LabOptions defaults() {
    return new LabOptions();
  }

  /** Names the run directory: {@code <labDir>/<timestamp>-<name>}. */
  public LabOptions name(String name) {
    this.name = Objects.requireNonNull(name).replaceAll("[^A-Za-z0-9._-]", "_");
    return this;
  }

  public LabOptions nodes(int nodes) {
    if (nodes < 0 || nodes > LabNetwork.MAX_NODES) {
      throw new IllegalArgumentException("nodes must be 0.." + LabNetwork.MAX_NODES);
    }
    this.nodes = nodes;
    return this;
  }

  /** Node n is called {@code <prefix>n} (default {@code worker-1}, {@code worker-2}, ...). */
  public LabOptions nodeNamePrefix(String prefix) {
    this.nodeNamePrefix = Objects.requireNonNull(prefix);
    return this;
  }

  /**
   * The O= groups of the API server's kubelet-client certificate (CN kube-apiserver-kubelet-client).
   * Default {@value #KUBEADM_CLUSTER_ADMINS}, so the kubelet allows nodes/checkpoint through the
   * proxy, as on kubeadm clusters. An empty list makes kubelets answer the proxy with 403.
   */
  public LabOptions apiServerKubeletClientGroups(List<String> groups) {
    this.apiServerKubeletClientGroups = List.copyOf(groups);
    return this;
  }

  /** Shorthand: the kubelet-client identity without any group, so kubelets answer 403 through the proxy. */
  public LabOptions apiServerKubeletClientWithoutGroups() {
    return apiServerKubeletClientGroups(List.of());
  }

  /** Whether to create the kubeadm ClusterRoleBinding {@value #KUBEADM_CLUSTER_ADMINS} -> cluster-admin (default true). */
  public LabOptions bindKubeadmClusterAdmins(boolean bind) {
    this.bindKubeadmClusterAdmins = bind;
    return this;
  }

  public LabOptions apiServerPort(int port) {
    this.apiServerPort = port;
    return this;
  }

  /** Parent of the run directories; default system property {@code lab.dir}, else {@code <project>/target/lab}. */
  public LabOptions labDir(Path dir) {
    this.labDir = dir;
    return this;
  }

  /** Directory of kube-apiserver, kubectl, etcd; default: see {@link LabBinaries#locate}. */
  public LabOptions binDir(Path dir) {
    this.binDir = dir;
    return this;
  }

  /** The kubelet feature gate ContainerCheckpoint of every node at start (default on; per node at runtime too). */
  public LabOptions checkpointGate(boolean on) {
    this.checkpointGate = on;
    return this;
  }

  /**
   * The kubelet root dir the nodes report in checkpoint paths (e.g. {@code /var/lib/kubelet}). Default:
   * the node's real directory under the run dir, so a returned path is a file a test can open.
   * Either way {@link SimulatedNode#archiveFile(String)} maps a returned path to the real file.
   */
  public LabOptions kubeletRootDir(String rootDir) {
    this.kubeletRootDir = rootDir;
    return this;
  }

  public LabOptions extraApiServerArg(String arg) {
    this.extraApiServerArgs.add(arg);
    return this;
  }

  public LabOptions startTimeout(Duration timeout) {
    this.startTimeout = timeout;
    return this;
  }

  /** Keep etcd's data directory after close (default: deleted; etcd preallocates 64 MB of WAL). */
  public LabOptions keepEtcdData(boolean keep) {
    this.keepEtcdData = keep;
    return this;
  }

  /**
   * How many container processes a node runs at once for the pods it runs for real ({@link PodRunner}:
   * the operator's collector pods); later pods wait Pending. Default 2 (each is a JVM).
   */
  public LabOptions podProcessesPerNode(int processes) {
    if (processes < 1) {
      throw new IllegalArgumentException("podProcessesPerNode must be at least 1, got " + processes);
    }
    this.podProcessesPerNode = processes;
    return this;
  }

  /**
   * Nodes running the kubelet's own code ({@link RealKubeletNode}), started after the simulated ones:
   * {@code real-1}, {@code real-2}, ... on the addresses after theirs. Each is a process of about 90 MB:
   * a few, not fifty. Default 0.
   */
  public LabOptions realNodes(int realNodes) {
    if (realNodes < 0) {
      throw new IllegalArgumentException("realNodes must be at least 0, got " + realNodes);
    }
    this.realNodes = realNodes;
    return this;
  }

  public int realNodes() {
    return realNodes;
  }

  /** The real nodes' runtimeRequestTimeout (default the kubelet's 2 min); checkpoints get the larger of it and ?timeout. */
  public LabOptions realNodeRuntimeRequestTimeout(Duration timeout) {
    this.realNodeRuntimeRequestTimeout = Objects.requireNonNull(timeout);
    return this;
  }

  public Duration realNodeRuntimeRequestTimeout() {
    return realNodeRuntimeRequestTimeout;
  }

  /**
   * What simulated node {@code nodeName} reports as its Node's {@code status.nodeInfo.containerRuntimeVersion}
   * (default {@value SimulatedNode#CONTAINER_RUNTIME_VERSION}), e.g. {@code containerd://1.7.27} for a node whose
   * runtime cannot restore. Only the report changes: the node answers checkpoints as every other does.
   */
  public LabOptions containerRuntimeVersion(String nodeName, String version) {
    containerRuntimeVersions.put(Objects.requireNonNull(nodeName), Objects.requireNonNull(version));
    return this;
  }

  public String containerRuntimeVersion(String nodeName) {
    return containerRuntimeVersions.getOrDefault(nodeName, SimulatedNode.CONTAINER_RUNTIME_VERSION);
  }

  public int podProcessesPerNode() {
    return podProcessesPerNode;
  }

  public String name() {
    return name;
  }

  public int nodes() {
    return nodes;
  }

  public String nodeNamePrefix() {
    return nodeNamePrefix;
  }

  public List<String> apiServerKubeletClientGroups() {
    return apiServerKubeletClientGroups;
  }

  public boolean bindKubeadmClusterAdmins() {
    return bindKubeadmClusterAdmins;
  }

  public int apiServerPort() {
    return apiServerPort;
  }

  public Path labDir() {
    return labDir;
  }

  public Path binDir() {
    return binDir;
  }

  public boolean checkpointGate() {
    return checkpointGate;
  }

  public String kubeletRootDir() {
    return kubeletRootDir;
  }

  public List<String> extraApiServerArgs() {
    return List.copyOf(extraApiServerArgs);
  }

  public Duration startTimeout() {
    return startTimeout;
  }

  public boolean keepEtcdData() {
    return keepEtcdData;
  }
}
