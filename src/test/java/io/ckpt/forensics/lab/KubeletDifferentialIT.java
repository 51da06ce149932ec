package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The simulation held to reality: the same checkpoint requests go to a simulated node
 * ({@link SimulatedNode}) and to a node running the kubelet's own code ({@link RealKubeletNode}),
 * through the API server's node proxy and directly, and must get the same status, Content-Type and
 * body. Where they differ, the simulation is wrong. Bodies are compared after replacing what
 * differs by construction: the namespace (one per node), the container ID, the kubelet root dir and
 * RFC 3339 times. Also checked against the real kubelet alone: archive names have one-second
 * resolution, and the runtime's deadline is the larger of {@code ?timeout} and runtimeRequestTimeout.
 */
@RequiresLab
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeletDifferentialIT {

  /** Short, so the effective-timeout cases take seconds; ?timeout below it is raised to it. */
  private static final Duration RUNTIME_REQUEST_TIMEOUT = Duration.ofSeconds(3);
  private static final String SIM_NS = "diff-simulated";
  private static final String REAL_NS = "diff-real";
  private static final String CALLERS = "diff-callers";
  /**
   * At the CRI deadline the runtime's gRPC server (grpc-go, as in CRI-O and containerd) resets the
   * stream while the kubelet's client gives up: whichever comes first names the error. Both are
   * real; the simulation answers the first.
   */
  private static final String DEADLINE_BY_RESET =
      "code = DeadlineExceeded desc = stream terminated by RST_STREAM with error code: CANCEL";
  private static final String DEADLINE_BY_CLIENT = "code = DeadlineExceeded desc = context deadline exceeded";
  private static final Pattern RFC3339 = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)");

  private static Lab lab;
  private static KubernetesClient admin;
  private static SimulatedNode sim;
  private static RealKubeletNode real;
  private static String checkpointerToken;
  private static String nosyToken;
  private static String proxierToken;

  /** One side of the comparison: a node, its namespace and what to normalize in its answers. */
  private record Side(LabNode node, String namespace, Supplier<String> containerId) {

    String normalize(String body) {
      // the container ID first: the fake runtime's IDs hold the namespace
      String id = containerId.get();
      String s = id == null || id.isEmpty() ? body : body.replace(id, "<container-id>");
      s = s.replace(node.rootDir(), "<root>").replace(namespace, "<ns>").replace(node.name(), "<node>")
          .replace(DEADLINE_BY_RESET, DEADLINE_BY_CLIENT);
      return RFC3339.matcher(s).replaceAll("<time>");
    }
  }

  private record Answer(int status, String contentType, String body) {
    static Answer of(HttpResult r, Side side) {
      return new Answer(r.status(), r.contentType(), side.normalize(r.body()));
    }
  }

  private static Side simSide;
  private static Side realSide;
  private final List<String> differences = new ArrayList<>();
  private final Map<String, Answer> agreed = new LinkedHashMap<>();

  @BeforeAll
  static void startLab() {
    lab = Lab.start(LabOptions.defaults().name("KubeletDifferentialIT").nodes(1).realNodes(1)
        .realNodeRuntimeRequestTimeout(RUNTIME_REQUEST_TIMEOUT));
    admin = lab.client(lab.adminConfig().withRequestRetryBackoffLimit(0).build());
    sim = lab.node(1);
    real = lab.realNode(1);
    lab.createRunningPod(SIM_NS, "web", sim, "app");
    lab.createRunningPod(REAL_NS, "web", real, "app");
    simSide = new Side(sim, SIM_NS, () -> bareId(sim.containerId(SIM_NS, "web", "app").orElse("")));
    realSide = new Side(real, REAL_NS, () -> realContainerId("app"));

    lab.createNamespace(CALLERS);
    for (String sa : List.of("checkpointer", "nosy", "proxier")) {
      lab.createServiceAccount(CALLERS, sa);
    }
    grant("diff-node-checkpoint", "nodes/checkpoint", "checkpointer");
    grant("diff-node-proxy", "nodes/proxy", "proxier");
    checkpointerToken = lab.mintToken(CALLERS, "checkpointer");
    nosyToken = lab.mintToken(CALLERS, "nosy");
    proxierToken = lab.mintToken(CALLERS, "proxier");
  }

  private static void grant(String name, String resource, String serviceAccount) {
    admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata()
        .addNewRule().withApiGroups("").withResources(resource).withVerbs("create", "get").endRule().build()).create();
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name)
        .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(name).endRoleRef().addNewSubject().withKind("ServiceAccount").withNamespace(CALLERS)
        .withName(serviceAccount).endSubject().build()).create();
  }

  private static String bareId(String id) {
    int i = id.indexOf("://");
    return i < 0 ? id : id.substring(i + 3);
  }

  private static String realContainerId(String container) {
    Pod pod = admin.pods().inNamespace(REAL_NS).withName("web").get();
    return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals(container))
        .map(s -> bareId(s.getContainerID() == null ? "" : s.getContainerID())).findFirst().orElse("");
  }

  @AfterAll
  static void stopLab() {
    if (lab != null) {
      lab.close();
    }
  }

  @AfterEach
  void heal() {
    if (sim != null) {
      sim.reset();
    }
    if (real != null) {
      real.clearFaults();
    }
  }

  // ---------------------------------------------------------------- the two transports

  /** POST (or {@code method}) straight to the kubelet with a bearer token (null: none). */
  private static HttpResult direct(Side side, String method, String pathAfterNamespace, String token) {
    return lab.directRequest(side.node(), method, "/checkpoint/" + side.namespace() + pathAfterNamespace, token,
        Duration.ofSeconds(60));
  }

  /** Through the API server's node proxy as {@code client}. */
  private static HttpResult proxied(Side side, KubernetesClient client, String method, String pathAfterNamespace) {
    return Lab.request(client, method, "/api/v1/nodes/" + side.node().name() + "/proxy/checkpoint/" + side.namespace()
        + pathAfterNamespace, Duration.ofSeconds(60));
  }

  private void compare(String what, HttpResult simulated, HttpResult realAnswer) {
    Answer s = Answer.of(simulated, simSide);
    Answer r = Answer.of(realAnswer, realSide);
    String line = what + "\n    simulated: " + s + "\n    real:      " + r;
    System.out.println("[differential] " + line);
    if (s.equals(r)) {
      agreed.put(what, r);
    } else {
      differences.add(line);
    }
  }

  /** The same request straight to both kubelets. */
  private void directly(String what, String method, String pathAfterNamespace, String token) {
    compare(what, direct(simSide, method, pathAfterNamespace, token), direct(realSide, method, pathAfterNamespace, token));
  }

  /** The same request to both through the node proxy. */
  private void throughProxy(String what, KubernetesClient client, String method, String pathAfterNamespace) {
    compare(what, proxied(simSide, client, method, pathAfterNamespace),
        proxied(realSide, client, method, pathAfterNamespace));
  }

  private void assertAgreed() {
    assertThat(differences).as("simulated and real kubelet answers that differ").isEmpty();
  }

  // ---------------------------------------------------------------- the matrix

  @Test
  @Order(1)
  void directRequestsGetTheRealKubeletsAnswers() {
    directly("direct: token with create nodes/checkpoint", "POST", "/web/app?timeout=30", checkpointerToken);
    directly("direct: no token", "POST", "/web/app", null);
    directly("direct: invalid token", "POST", "/web/app", "not-a-token");
    directly("direct: token without nodes/checkpoint", "POST", "/web/app", nosyToken);
    directly("direct: token with only nodes/proxy", "POST", "/web/app", proxierToken);
    directly("direct: pod missing", "POST", "/nope/app", checkpointerToken);
    directly("direct: container missing", "POST", "/web/nope", checkpointerToken);
    directly("direct: bad timeout", "POST", "/web/app?timeout=x", checkpointerToken);
    directly("direct: negative timeout", "POST", "/web/app?timeout=-1", checkpointerToken);
    directly("direct: GET", "GET", "/web/app", checkpointerToken);
    directly("direct: path without container", "POST", "/web", checkpointerToken);
    // content negotiation: an Accept without application/json, with and without a body
    for (String body : List.of("", "{}")) {
      String what = "direct: Accept text/plain, " + (body.isEmpty() ? "no body" : "a body");
      Map<String, String> accept = Map.of("Accept", "text/plain");
      compare(what, lab.directRequest(sim, "POST", "/checkpoint/" + SIM_NS + "/web/app", checkpointerToken, accept,
          body, Duration.ofSeconds(60)), lab.directRequest(real, "POST", "/checkpoint/" + REAL_NS + "/web/app",
          checkpointerToken, accept, body, Duration.ofSeconds(60)));
    }
    assertAgreed();
  }

  @Test
  @Order(2)
  void proxiedRequestsGetTheRealKubeletsAnswers() {
    KubernetesClient proxier = lab.client(lab.tokenConfig(proxierToken).withRequestRetryBackoffLimit(0).build());
    KubernetesClient checkpointer = lab.client(lab.tokenConfig(checkpointerToken).withRequestRetryBackoffLimit(0).build());
    throughProxy("proxy: admin", admin, "POST", "/web/app?timeout=30");
    throughProxy("proxy: token with nodes/proxy", proxier, "POST", "/web/app");
    throughProxy("proxy: token with only nodes/checkpoint", checkpointer, "POST", "/web/app");
    throughProxy("proxy: pod missing", admin, "POST", "/nope/app");
    throughProxy("proxy: container missing", admin, "POST", "/web/nope");
    throughProxy("proxy: bad timeout", admin, "POST", "/web/app?timeout=x");
    throughProxy("proxy: GET", admin, "GET", "/web/app");
    assertAgreed();
  }

  @Test
  @Order(3)
  void runtimeErrorsAreWrappedAsTheKubeletWrapsThem() {
    for (KubeletFault fault : List.of(KubeletFault.CRIU_FAILURE, KubeletFault.CRIU_FAILURE_CONTAINERD,
        KubeletFault.DISK_FULL, KubeletFault.RUNTIME_UNSUPPORTED)) {
      runtimeError(fault);
    }

    // DeadlineExceeded: the real runtime is slower than the effective timeout (3 s here)
    sim.inject(KubeletFault.DEADLINE_EXCEEDED);
    real.delayCheckpoints(Duration.ofSeconds(20));
    directly("direct: DeadlineExceeded", "POST", "/web/app?timeout=1", checkpointerToken);
    throughProxy("proxy: DeadlineExceeded", admin, "POST", "/web/app?timeout=1");
    assertAgreed();
  }

  private void runtimeError(KubeletFault fault) {
    String what = fault.name();
    sim.inject(fault);
    real.failLike(fault);
    directly("direct: " + what, "POST", "/web/app", checkpointerToken);
    throughProxy("proxy: " + what, admin, "POST", "/web/app");
    sim.clearFaults();
    real.clearFaults();
  }

  // ---------------------------------------------------------------- the real kubelet alone

  @Test
  @Order(4)
  void archivesAreNamedToTheSecondAndWrittenWhereTheKubeletSays() throws Exception {
    Pattern name = Pattern.compile("\\{\"items\":\\[\"" + Pattern.quote(real.rootDir())
        + "/checkpoints/checkpoint-web_" + REAL_NS + "-app-(" + RFC3339.pattern() + ")\\.tar\"\\]}");
    // two calls in one second share one name; bounded: a few pairs until one lands in one second
    boolean sameSecondSeen = false;
    for (int attempt = 0; attempt < 5 && !sameSecondSeen; attempt++) {
      HttpResult first = direct(realSide, "POST", "/web/app", checkpointerToken);
      HttpResult second = direct(realSide, "POST", "/web/app", checkpointerToken);
      var m1 = name.matcher(first.body());
      var m2 = name.matcher(second.body());
      assertThat(m1.matches()).as(first.toString()).isTrue();
      assertThat(m2.matches()).as(second.toString()).isTrue();
      assertThat(first.body().equals(second.body())).as("same path exactly when the same second")
          .isEqualTo(m1.group(1).equals(m2.group(1)));
      sameSecondSeen = m1.group(1).equals(m2.group(1));
      String path = first.body().substring("{\"items\":[\"".length(), first.body().length() - "\"]}".length());
      assertThat(Files.size(real.archiveFile(path))).as("the runtime wrote the fixture archive at the kubelet's location")
          .isEqualTo(Files.size(real.checkpointDir().resolveSibling("../fixture-checkpoint.tar").normalize()));
    }
    assertThat(sameSecondSeen).as("two checkpoints within one second (5 tries)").isTrue();
  }

  @Test
  @Order(5)
  void theRuntimeGetsTheLargerOfTimeoutAndRuntimeRequestTimeout() {
    long shorter = RUNTIME_REQUEST_TIMEOUT.toSeconds();
    int before = real.runtimeCalls().size();
    assertThat(direct(realSide, "POST", "/web/app?timeout=1", checkpointerToken).status()).isEqualTo(200);
    assertThat(direct(realSide, "POST", "/web/app?timeout=10", checkpointerToken).status()).isEqualTo(200);
    assertThat(direct(realSide, "POST", "/web/app", checkpointerToken).status()).isEqualTo(200);
    List<RealKubeletNode.RuntimeCall> calls = real.runtimeCalls().subList(before, before + 3);
    assertThat(calls).extracting(RealKubeletNode.RuntimeCall::timeoutSeconds).containsExactly(shorter, 10L, shorter);

    // a runtime slower than ?timeout=1 but faster than runtimeRequestTimeout succeeds ...
    real.delayCheckpoints(Duration.ofMillis(RUNTIME_REQUEST_TIMEOUT.toMillis() - 1500));
    HttpResult slowButInTime = direct(realSide, "POST", "/web/app?timeout=1", checkpointerToken);
    assertThat(slowButInTime.status()).as(slowButInTime.toString()).isEqualTo(200);
    // ... and one slower than runtimeRequestTimeout, with ?timeout above it, succeeds too
    real.delayCheckpoints(RUNTIME_REQUEST_TIMEOUT.plusSeconds(1));
    long t = System.nanoTime();
    HttpResult longTimeout = direct(realSide, "POST", "/web/app?timeout=8", checkpointerToken);
    assertThat(longTimeout.status()).as(longTimeout.toString()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThanOrEqualTo(RUNTIME_REQUEST_TIMEOUT.plusSeconds(1));
    // without it, the kubelet gives up at runtimeRequestTimeout
    t = System.nanoTime();
    HttpResult tooSlow = direct(realSide, "POST", "/web/app?timeout=1", checkpointerToken);
    Duration took = Duration.ofNanos(System.nanoTime() - t);
    assertThat(tooSlow.status()).isEqualTo(500);
    assertThat(tooSlow.body()).matches(".*\\(rpc error: (" + Pattern.quote(DEADLINE_BY_CLIENT) + "|"
        + Pattern.quote(DEADLINE_BY_RESET) + ")\\)");
    assertThat(took).isBetween(RUNTIME_REQUEST_TIMEOUT.minusMillis(200), RUNTIME_REQUEST_TIMEOUT.plusSeconds(1));
  }

  @Test
  @Order(6)
  void gateOffIsPageNotFoundOnBoth() {
    try {
      sim.setCheckpointGate(false);
      real.restartWithCheckpointGate(false, Duration.ofSeconds(60));
      directly("direct: gate off, no token", "POST", "/web/app", null);
      directly("direct: gate off", "POST", "/web/app", checkpointerToken);
      throughProxy("proxy: gate off", admin, "POST", "/web/app");
      assertAgreed();
    } finally {
      sim.setCheckpointGate(true);
    }
  }
}
