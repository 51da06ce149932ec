package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Every injectable kubelet fault, seen through the API server's node proxy (what the operator's
 * default transport gets), plus pod lifecycle controls and an API server restart under running nodes.
 */
@RequiresLab
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabFaultsIT {

  private static Lab lab;
  private static KubernetesClient admin;
  private static SimulatedNode node;

  @BeforeAll
  static void startLab() {
    lab = Lab.start(LabOptions.defaults().name("LabFaultsIT").nodes(2));
    admin = lab.client(lab.adminConfig().withRequestRetryBackoffLimit(0).build());
    node = lab.node(2);
    lab.createRunningPod("dev", "app", node, "app", "sidecar");
  }

  @AfterAll
  static void stopLab() {
    if (lab != null) {
      lab.close();
    }
  }

  @AfterEach
  void healNode() {
    if (node != null) {
      node.reset();
    }
  }

  private static HttpResult checkpoint(String container, Integer timeout) {
    return lab.proxyCheckpoint(admin, node.name(), "dev", "app", container, timeout);
  }

  @SuppressWarnings("unchecked")
  private static String statusMessage(HttpResult result) {
    assertThat(result.contentType()).startsWith("application/json");
    Map<String, Object> status = admin.getKubernetesSerialization().unmarshal(result.body(), Map.class);
    assertThat(status).containsEntry("kind", "Status");
    return (String) status.get("message");
  }

  @Test
  @Order(1)
  void runtimeErrors() {
    node.inject(KubeletFault.RUNTIME_UNSUPPORTED, "app", 1);
    HttpResult unsupported = checkpoint("app", 60);
    assertThat(unsupported.status()).isEqualTo(500);
    assertThat(unsupported.body()).isEqualTo("checkpointing of dev/app/app failed (rpc error: code = Unimplemented"
        + " desc = method CheckpointContainer not implemented)");
    // the rule was used up: the next call succeeds; rules can target one container
    node.inject(KubeletFault.CRIU_FAILURE_CONTAINERD, "sidecar", -1);
    assertThat(checkpoint("app", 60).status()).isEqualTo(200);
    HttpResult containerd = checkpoint("sidecar", 60);
    assertThat(containerd.status()).isEqualTo(500);
    assertThat(containerd.body()).startsWith("checkpointing of dev/app/sidecar failed (rpc error: code = Unknown desc ="
        + " checkpointing container \"").contains("criu failed").endsWith("/criu-dump.log: unknown)");

    node.clearFaults().setLatency(Duration.ofMillis(300)).inject(KubeletFault.DEADLINE_EXCEEDED);
    long t = System.nanoTime();
    HttpResult deadline = checkpoint("app", 60);
    assertThat((System.nanoTime() - t) / 1_000_000).isGreaterThanOrEqualTo(300);
    assertThat(deadline.body()).isEqualTo("checkpointing of dev/app/app failed (rpc error: code = DeadlineExceeded"
        + " desc = context deadline exceeded)");
  }

  @Test
  @Order(2)
  void handlerChecks() {
    assertThat(checkpoint("app", -5).body())
        .isEqualTo("checkpointing of dev/app/app failed (CheckpointContainer requires the timeout value to be > 0)");
    HttpResult bad = Lab.request(admin, "POST", "/api/v1/nodes/" + node.name() + "/proxy/checkpoint/dev/app/app?timeout=x",
        Duration.ofSeconds(10));
    assertThat(bad.status()).isEqualTo(404);
    assertThat(bad.body()).isEqualTo("cannot parse value of timeout parameter");
    HttpResult get = Lab.request(admin, "GET", "/api/v1/nodes/" + node.name() + "/proxy/checkpoint/dev/app/app",
        Duration.ofSeconds(10));
    assertThat(get.status()).isEqualTo(405);
    assertThat(get.body()).isEqualTo("405: Method Not Allowed");
    HttpResult shortPath = Lab.request(admin, "POST", "/api/v1/nodes/" + node.name() + "/proxy/checkpoint/dev/app",
        Duration.ofSeconds(10));
    assertThat(shortPath.status()).isEqualTo(404);
    assertThat(shortPath.body()).isEqualTo("404: Page Not Found");
  }

  @Test
  @Order(3)
  void containerLifecycle() {
    String before = node.containerId("dev", "app", "app").orElseThrow();
    node.terminateContainer("dev", "app", "app", 0);
    HttpResult notRunning = checkpoint("app", 60);
    assertThat(notRunning.status()).isEqualTo(500);
    assertThat(notRunning.body()).isEqualTo("checkpointing of dev/app/app failed (container app not found)");
    Pod pod = admin.pods().inNamespace("dev").withName("app").get();
    assertThat(pod.getStatus().getContainerStatuses())
        .anySatisfy(s -> {
          assertThat(s.getName()).isEqualTo("app");
          assertThat(s.getState().getTerminated().getExitCode()).isZero();
        });

    node.restartContainer("dev", "app", "app");
    String after = node.containerId("dev", "app", "app").orElseThrow();
    assertThat(after).isNotEqualTo(before).matches("containerd://[0-9a-f]{64}");
    assertThat(checkpoint("app", 60).status()).isEqualTo(200);
    Pod restarted = admin.pods().inNamespace("dev").withName("app").get();
    assertThat(restarted.getStatus().getContainerStatuses())
        .anySatisfy(s -> assertThat(s.getName() + ":" + s.getRestartCount() + ":" + s.getContainerID())
            .isEqualTo("app:1:" + after));
  }

  @Test
  @Order(4)
  void connectionFaults() {
    node.inject(KubeletFault.RESET_BEFORE_RESPONSE, null, 1);
    HttpResult reset = checkpoint("app", 60);
    assertThat(reset.status()).isEqualTo(503);
    assertThat(statusMessage(reset)).startsWith("error trying to reach service: ");
    lab.log("RESET_BEFORE_RESPONSE through the proxy: " + reset.body());

    // the API server aborts the client's stream; note that OkHttp (retryOnConnectionFailure, on by
    // default) silently re-sends the POST on a new connection: with a one-shot fault the client would
    // see a 200 from a SECOND kubelet call. Here every call is reset.
    node.clearCalls();
    node.inject(KubeletFault.RESET_MID_RESPONSE);
    Throwable midResponse = catchThrowable(() -> checkpoint("app", 60));
    lab.log("RESET_MID_RESPONSE through the proxy: " + midResponse + "; kubelet calls for one client request: "
        + node.calls().size());
    assertThat(midResponse).isNotNull();
    assertThat(node.calls()).isNotEmpty().allSatisfy(c -> assertThat(c.body()).isEqualTo("RESET_MID_RESPONSE"));
    node.clearFaults();

    node.serveCertificateFromOtherCa(true);
    HttpResult rogue = checkpoint("app", 60);
    assertThat(rogue.status()).isEqualTo(503);
    assertThat(statusMessage(rogue)).isEqualTo("error trying to reach service: tls: failed to verify certificate:"
        + " x509: certificate signed by unknown authority");
    node.serveCertificateFromOtherCa(false);

    node.inject(KubeletFault.HANG, null, 1);
    long t = System.nanoTime();
    Throwable hang = catchThrowable(() -> Lab.request(admin, "POST",
        "/api/v1/nodes/" + node.name() + "/proxy/checkpoint/dev/app/app?timeout=60", Duration.ofSeconds(2)));
    assertThat(hang).hasMessageContaining("timeout");
    assertThat((System.nanoTime() - t) / 1_000_000).isBetween(1_900L, 10_000L);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(node.calls())
        .anySatisfy(c -> assertThat(c.body()).isEqualTo("HANG")));
  }

  @Test
  @Order(5)
  void unreachableNode() {
    node.makeUnreachable();
    HttpResult refused = checkpoint("app", 60);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(statusMessage(refused)).isEqualTo("error trying to reach service: dial tcp " + node.address()
        + ":10250: connect: connection refused");
    assertThat(admin.nodes().withName(node.name()).get().getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=Unknown"));
    node.makeReachable();
    assertThat(checkpoint("app", 60).status()).isEqualTo(200);
  }

  @Test
  @Order(6)
  void stalledTlsHandshake() {
    node.stallTlsHandshake(true);
    long t = System.nanoTime();
    HttpResult stalled = checkpoint("app", 60);
    long ms = (System.nanoTime() - t) / 1_000_000;
    assertThat(stalled.status()).isEqualTo(503);
    assertThat(statusMessage(stalled)).isEqualTo("error trying to reach service: net/http: TLS handshake timeout");
    lab.log("TLS handshake timeout through the proxy after " + ms + " ms");
  }

  @Test
  @Order(7)
  void podsSurviveAnApiServerRestart() {
    lab.restartApiServer();
    // the nodes' watches reconnect by themselves: a new pod gets Running, a deleted one goes away
    lab.createRunningPod("dev", "after-restart", lab.node(1), "main");
    admin.pods().inNamespace("dev").withName("after-restart").delete();
    await().atMost(Duration.ofSeconds(20))
        .until(() -> admin.pods().inNamespace("dev").withName("after-restart").get() == null);
    assertThat(checkpoint("app", 60).status()).isEqualTo(200);
  }

  @Test
  @Order(8)
  void heldPodsStayPendingUntilStarted() {
    Pod pod = lab.podSpec("dev", "held", node, "main")
        .editMetadata().addToAnnotations(SimulatedNode.HOLD_ANNOTATION, "true").endMetadata().build();
    lab.createPod(pod);
    lab.awaitPod("dev", "held", p -> p.getStatus() != null && "Pending".equals(p.getStatus().getPhase())
        && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty(),
        Duration.ofSeconds(20));
    HttpResult pending = lab.proxyCheckpoint(admin, node.name(), "dev", "held", "main", 60);
    assertThat(pending.body()).isEqualTo("checkpointing of dev/held/main failed (container main not found)");
    node.startPod("dev", "held");
    lab.awaitPod("dev", "held", Lab::isRunningAndReady, Duration.ofSeconds(20));
    node.setPodPhase("dev", "held", "Succeeded");
    lab.awaitPod("dev", "held", p -> "Succeeded".equals(p.getStatus().getPhase()), Duration.ofSeconds(20));
  }
}
