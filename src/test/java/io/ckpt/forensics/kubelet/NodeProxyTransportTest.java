package io.ckpt.forensics.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy transport against a mock API server: the request it sends, that it never retries, and
 * that bad answers (huge, not JSON, dripping, broken) end in a failure that says what was wrong.
 */
@EnableKubernetesMockClient
class NodeProxyTransportTest {

  static final String PATH = "/api/v1/nodes/worker-1/proxy/checkpoint/shop/web-7d9f8/app?timeout=300";
  static final CheckpointTarget TARGET = new CheckpointTarget("worker-1", "shop", "web-7d9f8", "app", 300);

  KubernetesMockServer server;
  KubernetesClient client;
  NodeProxyTransport transport;

  @BeforeEach
  void setUp() {
    transport = new NodeProxyTransport(client.getConfiguration());
  }

  @AfterEach
  void tearDown() {
    transport.close();
  }

  @Test
  void postsToTheNodeProxyAndReturnsTheKubeletsPath() throws Exception {
    server.expect().post().withPath(PATH)
        .andReturn(200, "{\"items\":[\"/var/lib/kubelet/checkpoints/checkpoint-web-7d9f8_shop-app-2026-11-23T10:00:00Z.tar\"]}")
        .once();

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(30, TimeUnit.SECONDS);

    assertThat(outcome).isEqualTo(new CheckpointOutcome.Success(
        "/var/lib/kubelet/checkpoints/checkpoint-web-7d9f8_shop-app-2026-11-23T10:00:00Z.tar"));
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getPath()).isEqualTo(PATH);
    assertThat(request.getBody().size()).isZero();
  }

  @Test
  void aKubelet500IsNeverRetried() throws Exception {
    server.expect().post().withPath(PATH).andReturn(500, "checkpointing of shop/web-7d9f8/app failed (rpc error:"
        + " code = Unknown desc = checkpoint/restore support not available)").always();

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(30, TimeUnit.SECONDS);

    assertThat(((CheckpointOutcome.Failure) outcome).failure().getReason()).isEqualTo(FailureReason.CRIUFailed);
    assertThat(server.getRequestCount()).as("requests sent: a retried checkpoint freezes the container again")
        .isEqualTo(1);
  }

  @Test
  void anApiServer503IsNeverRetried() throws Exception {
    server.expect().post().withPath(PATH).andReturn(503, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
        + "\"Failure\",\"message\":\"error trying to reach service: dial tcp 10.0.0.5:10250: connect: connection"
        + " refused\",\"reason\":\"ServiceUnavailable\",\"code\":503}").always();

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(30, TimeUnit.SECONDS);

    assertThat(((CheckpointOutcome.Failure) outcome).failure().getReason()).isEqualTo(FailureReason.NodeUnreachable);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aHugeAnswerIsReadOnlyUpToTheBound() throws Exception {
    server.expect().post().withPath(PATH).andReturn(500, "x".repeat(10 * 1024 * 1024)).once();

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(60, TimeUnit.SECONDS);

    var failure = ((CheckpointOutcome.Failure) outcome).failure();
    assertThat(failure.getReason()).isEqualTo(FailureReason.KubeletError);
    assertThat(failure.getMessage()).hasSizeLessThanOrEqualTo(KubeletAnswerClassifier.MAX_MESSAGE_CHARS);
  }

  @Test
  void aHuge200IsCutAtTheBoundAndSaysAnArchiveMayExist() throws Exception {
    String huge = "{\"items\":[\"/var/lib/kubelet/checkpoints/x.tar\"],\"padding\":\"" + "x".repeat(10 << 20) + "\"}";
    server.expect().post().withPath(PATH).andReturn(200, huge).always();

    long start = System.nanoTime();
    var failure = failure(transport.checkpoint(TARGET).get(60, TimeUnit.SECONDS));

    assertThat(failure.getReason()).isEqualTo(FailureReason.KubeletError);
    assertThat(failure.getHttpStatus()).isEqualTo(200);
    assertThat(failure.getMessage()).contains("answered 200 with a body over 64 KiB")
        .contains("may have written an archive on node worker-1").contains("not retried automatically")
        .contains("Body starts: {\"items\":[\"/var/lib/kubelet/checkpoints/x.tar\"]")
        .hasSizeLessThanOrEqualTo(KubeletAnswerClassifier.MAX_MESSAGE_CHARS);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(KubeletAnswer.BODY_DEADLINE);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void a200WithoutExactlyOnePathNamesWhatWasWrong() throws Exception {
    Map<String, String> bodies = Map.of(
        "<html><body>502 Bad Gateway</body></html>", "its body is not JSON",
        "{\"items\":[]}", "with no archive path",
        "{\"items\":[\"/a.tar\",\"/b.tar\"]}", "with 2 archive paths instead of one");
    for (var body : bodies.entrySet()) {
      server.expect().post().withPath(PATH).andReturn(200, body.getKey()).once();

      var failure = failure(transport.checkpoint(TARGET).get(30, TimeUnit.SECONDS));

      assertThat(failure.getReason()).as(body.getKey()).isEqualTo(FailureReason.KubeletError);
      assertThat(failure.getMessage()).contains(body.getValue()).contains("may have written an archive on node"
          + " worker-1").contains(body.getKey());
    }
    assertThat(server.getRequestCount()).as("one call each, none retried").isEqualTo(bodies.size());
  }

  @Test
  void aDrippingBodyEndsAtTheBodyDeadline() throws Exception {
    byte[] start = "{\"items\":[".getBytes(StandardCharsets.UTF_8);
    try (ScriptedPeer peer = new ScriptedPeer(200, "application/json", start, 1000, ScriptedPeer.Then.DRIP);
        NodeProxyTransport slow = new NodeProxyTransport(at(peer))) {
      long begin = System.nanoTime();
      var failure = failure(slow.checkpoint(TARGET).get(60, TimeUnit.SECONDS));

      assertThat(failure.getReason()).isEqualTo(FailureReason.KubeletError);
      assertThat(failure.getMessage()).contains("answered 200 but its body did not finish within 10 s")
          .contains("may have written an archive on node worker-1");
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).isBetween(KubeletAnswer.BODY_DEADLINE,
          KubeletAnswer.BODY_DEADLINE.plusSeconds(5));
      assertThat(peer.requests()).isEqualTo(1);
    }
  }

  @Test
  void aConnectionResetMidAnswerIsNodeUnreachable() throws Exception {
    byte[] half = "{\"items\":[\"/var/lib/kub".getBytes(StandardCharsets.UTF_8);
    try (ScriptedPeer peer = new ScriptedPeer(200, "application/json", half, 80, ScriptedPeer.Then.RESET);
        NodeProxyTransport broken = new NodeProxyTransport(at(peer))) {
      var failure = failure(broken.checkpoint(TARGET).get(60, TimeUnit.SECONDS));

      assertThat(failure.getReason()).isEqualTo(FailureReason.NodeUnreachable);
      assertThat(failure.getMessage()).contains("answered 200 but the connection was reset mid-answer after "
          + half.length + " body bytes").contains("may have written an archive on node worker-1");
      assertThat(peer.requests()).as("never re-sent").isEqualTo(1);
    }
  }

  @Test
  void anUnreachableApiServerIsAFailureNotAnException() throws Exception {
    server.shutdown();

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(60, TimeUnit.SECONDS);

    assertThat(((CheckpointOutcome.Failure) outcome).failure().getReason()).isEqualTo(FailureReason.NodeUnreachable);
  }

  private Config at(ScriptedPeer peer) {
    return new ConfigBuilder(client.getConfiguration()).withMasterUrl("http://127.0.0.1:" + peer.port()).build();
  }

  private static CheckpointFailure failure(CheckpointOutcome outcome) {
    assertThat(outcome).isInstanceOf(CheckpointOutcome.Failure.class);
    return ((CheckpointOutcome.Failure) outcome).failure();
  }
}
