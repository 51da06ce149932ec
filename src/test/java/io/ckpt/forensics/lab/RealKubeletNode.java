package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A lab node that runs the kubelet's own code: {@code operator/lab/real-kubelet} (kubemark's hollow
 * kubelet with HTTPS, the kubelet's authentication and authorization, and a fake CRI runtime whose
 * CheckpointContainer writes a real archive). The kubelet registers its Node with its own client
 * certificate (system:node:NAME), runs the pods bound to it through the fake runtime (they reach
 * Running through the kubelet's own status updates) and serves https://198.18.0.N:10250 with the
 * lab's kubelet-CA certificate. What it cannot do: CRIU, container processes, wire faults (see
 * docs/lab-tiers.md); those stay with {@link SimulatedNode}.
 *
 * <p>Runtime faults are files the program reads on every CheckpointContainer call
 * ({@link #failCheckpoints}, {@link #delayCheckpoints}); every call the runtime received is in
 * {@link #runtimeCalls()}.
 */
public final class RealKubeletNode implements LabNode, AutoCloseable {

  /** The kubelet's own default; tests that measure the effective timeout start nodes with a shorter one. */
  public static final Duration DEFAULT_RUNTIME_REQUEST_TIMEOUT = Duration.ofMinutes(2);
  /** sun_path is 108 bytes; the kubelet puts a socket at {@code <root>/pod-resources/kubelet.sock}. */
  private static final int MAX_SOCKET_PATH = 107;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STARTED = "started";

  /** One CheckpointContainer call as the fake runtime received it. */
  public record RuntimeCall(String start, long millis, String containerId, String location, long timeoutSeconds,
      String outcome) {}

  private final Lab lab;
  private final String name;
  private final InetAddress address;
  private final Path dataDir;
  private final Path kubeletDir;
  private final Path shortLink;
  private final Path binary;
  private final Duration runtimeRequestTimeout;
  private volatile boolean checkpointGate;
  private volatile ManagedProcess process;

  RealKubeletNode(Lab lab, int addressIndex, String name, Path dataDir, LabPki.NodeIdentities ids, Path clusterCaFile,
      Path binary, Duration runtimeRequestTimeout, boolean checkpointGate) {
    this.lab = lab;
    this.name = name;
    this.address = LabNetwork.nodeAddress(addressIndex);
    this.dataDir = dataDir.toAbsolutePath();
    // The kubelet's sockets must fit sun_path: a deep run directory is handed over through a short
    // symbolic link in the temporary directory (removed at close); the files stay in the run directory.
    if (socketPath(this.dataDir).length() <= MAX_SOCKET_PATH) {
      this.shortLink = null;
      this.kubeletDir = this.dataDir;
    } else {
      this.shortLink = shortLinkTo(this.dataDir);
      this.kubeletDir = shortLink;
    }
    this.binary = binary;
    this.runtimeRequestTimeout = runtimeRequestTimeout;
    this.checkpointGate = checkpointGate;
    writeIdentity(ids, clusterCaFile);
  }

  private ManagedProcess newProcess() {
    List<String> command = List.of(binary.toString(),
        "--run-dir=" + kubeletDir,
        "--node-name=" + name,
        "--node-ip=" + address.getHostAddress(),
        "--port=" + LabNetwork.KUBELET_PORT,
        "--archive-fixture=" + dataDir.resolve("fixture-checkpoint.tar"),
        "--runtime-request-timeout=" + runtimeRequestTimeout.toMillis() + "ms",
        "--checkpoint-gate=" + checkpointGate,
        "--v=2");
    return new ManagedProcess("real-kubelet " + name, command, dataDir.resolve("kubelet.log"), dataDir);
  }

  private static String socketPath(Path dir) {
    return dir.resolve("root/pod-resources/kubelet.sock").toString();
  }

  private static Path shortLinkTo(Path target) {
    try {
      Path link = Files.createTempFile("fcp-rk-", "");
      Files.delete(link);
      return Files.createSymbolicLink(link, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link a short path to " + target, e);
    }
  }

  private void writeIdentity(LabPki.NodeIdentities ids, Path clusterCaFile) {
    try {
      Path pki = Files.createDirectories(dataDir.resolve("pki"));
      ids.serving().writeTo(pki, "serving");
      ids.client().writeTo(pki, "client");
      // client certificates (the API server's kubelet client, a test's) come from the cluster CA
      Files.copy(clusterCaFile, pki.resolve("client-ca.crt"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(clusterCaFile, pki.resolve("cluster-ca.crt"), StandardCopyOption.REPLACE_EXISTING);
      Pki.write(dataDir.resolve("kubeconfig"), """
          apiVersion: v1
          kind: Config
          clusters:
          - name: lab
            cluster:
              server: %s
              certificate-authority: %s
          users:
          - name: %s
            user:
              client-certificate: %s
              client-key: %s
          contexts:
          - name: lab
            context: {cluster: lab, user: %s}
          current-context: lab
          """.formatted(lab.apiServerUrl(), pki.resolve("cluster-ca.crt"), "system:node:" + name,
          pki.resolve("client.crt"), pki.resolve("client.key"), "system:node:" + name));
      CheckpointArchive.write(dataDir.resolve("fixture-checkpoint.tar"));
    } catch (IOException e) {
      throw new UncheckedIOException("node " + name + ": cannot write its identity under " + dataDir, e);
    }
  }

  /** Starts the kubelet and waits until it reports its Node Ready (it registers itself). */
  void start(Duration timeout) {
    // a restarted kubelet finds its Node Ready from before: wait for a heartbeat of the new process
    Instant begun = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    process = newProcess();
    process.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    KubernetesClient admin = lab.adminClient();
    while (true) {
      process.checkAlive();
      Node node = admin.nodes().withName(name).get();
      if (node != null && isReadySince(node, begun)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("real kubelet " + name + " not Ready within " + timeout + "; last lines of "
            + process.log() + ":\n" + process.tail(40));
      }
      Lab.sleep(200);
    }
  }

  private static boolean isReadySince(Node node, Instant since) {
    return node.getStatus() != null && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())
                && c.getLastHeartbeatTime() != null && !Instant.parse(c.getLastHeartbeatTime()).isBefore(since));
  }

  /**
   * Stops the kubelet (SIGTERM) and starts it again with the ContainerCheckpoint gate {@code on};
   * waits until Ready. The fake runtime starts empty, so the kubelet creates the pods' sandboxes and
   * containers again (new container IDs).
   */
  public RealKubeletNode restartWithCheckpointGate(boolean on, Duration timeout) {
    process.stop(Duration.ofSeconds(10));
    checkpointGate = on;
    start(timeout);
    return this;
  }

  public boolean checkpointGate() {
    return checkpointGate;
  }

  @Override
  public void close() {
    ManagedProcess p = process;
    if (p != null) {
      p.stop(Duration.ofSeconds(10));
    }
    if (shortLink != null) {
      try {
        Files.deleteIfExists(shortLink);
      } catch (IOException ignored) {
        // a dangling link in the temporary directory; the data is in the run directory
      }
    }
  }

  // ---------------------------------------------------------------- accessors

  @Override
  public String name() {
    return name;
  }

  @Override
  public String address() {
    return address.getHostAddress();
  }

  /** As the kubelet reports it: {@code <dir given to the kubelet>/root}. */
  @Override
  public String rootDir() {
    return kubeletDir.resolve("root").toString();
  }

  @Override
  public Path archiveFile(String reportedPath) {
    String prefix = rootDir() + "/checkpoints/";
    if (!reportedPath.startsWith(prefix)) {
      throw new IllegalArgumentException(reportedPath + " is not under " + prefix);
    }
    return dataDir.resolve("root/checkpoints").resolve(reportedPath.substring(prefix.length()));
  }

  public Path checkpointDir() {
    return dataDir.resolve("root/checkpoints");
  }

  /** The process id of the kubelet (-1 when stopped). */
  public long pid() {
    ManagedProcess p = process;
    return p == null ? -1 : p.pid();
  }

  public Path log() {
    return dataDir.resolve("kubelet.log");
  }

  // ---------------------------------------------------------------- runtime faults

  /** Every later CheckpointContainer fails with gRPC {@code code} and {@code message} (the runtime's error text). */
  public RealKubeletNode failCheckpoints(String code, String message) {
    return writeFault(Map.of("code", code, "message", message));
  }

  /**
   * Every later CheckpointContainer fails as a real runtime does in the situation {@code fault} names,
   * with the texts the simulated nodes use ({@link KubeletAnswers}): CRIU failures of CRI-O and
   * containerd, disk full, containerd 1.x without the RPC. Other faults are the simulation's alone.
   */
  public RealKubeletNode failLike(KubeletFault fault) {
    String id = "{{containerId}}";
    return switch (fault) {
      case CRIU_FAILURE -> failCheckpoints("Unknown", KubeletAnswers.crioCriuFailure(id));
      case CRIU_FAILURE_CONTAINERD -> failCheckpoints("Unknown", KubeletAnswers.containerdCriuFailure(id));
      case DISK_FULL -> failCheckpoints("Unknown", KubeletAnswers.crioDiskFull(id, "{{location}}"));
      case RUNTIME_UNSUPPORTED -> failCheckpoints("Unimplemented", KubeletAnswers.NOT_IMPLEMENTED);
      default -> throw new IllegalArgumentException("a real node's runtime does not do " + fault
          + " (DEADLINE_EXCEEDED: delayCheckpoints beyond the effective timeout; wire faults: SimulatedNode)");
    };
  }

  /** Every later CheckpointContainer takes {@code delay} first (ended early when the kubelet's deadline passes). */
  public RealKubeletNode delayCheckpoints(Duration delay) {
    return writeFault(Map.of("delayMillis", delay.toMillis()));
  }

  /** Back to checkpoints that succeed at once. */
  public RealKubeletNode clearFaults() {
    try {
      Files.deleteIfExists(dataDir.resolve("runtime-fault.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  private RealKubeletNode writeFault(Map<String, Object> fault) {
    try {
      Path tmp = dataDir.resolve("runtime-fault.json.tmp");
      Files.writeString(tmp, JSON.writeValueAsString(fault));
      Files.move(tmp, dataDir.resolve("runtime-fault.json"), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Every CheckpointContainer call the fake runtime finished, oldest first. */
  public List<RuntimeCall> runtimeCalls() {
    return runtimeLog().stream().filter(c -> !STARTED.equals(c.outcome())).toList();
  }

  /** CheckpointContainer calls the fake runtime is working on now: a test waits on this for "the call reached the runtime". */
  public long checkpointsInProgress() {
    List<RuntimeCall> log = runtimeLog();
    long started = log.stream().filter(c -> STARTED.equals(c.outcome())).count();
    return started - (log.size() - started);
  }

  private List<RuntimeCall> runtimeLog() {
    Path file = dataDir.resolve("runtime-calls.jsonl");
    List<RuntimeCall> calls = new ArrayList<>();
    try {
      if (!Files.exists(file)) {
        return calls;
      }
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          calls.add(JSON.readValue(line, RuntimeCall.class));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return calls;
  }

  @Override
  public String toString() {
    return name + " (" + address() + ", real kubelet)";
  }
}
