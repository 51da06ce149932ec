package io.ckpt.forensics.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.FailureReason;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.concurrent.TimeUnit;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy transport against a mock API server: the request it sends, and that it never retries. */
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
  void anUnreachableApiServerIsAFailureNotAnException() throws Exception {
    server.shutdown();

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(60, TimeUnit.SECONDS);

    assertThat(((CheckpointOutcome.Failure) outcome).failure().getReason()).isEqualTo(FailureReason.NodeUnreachable);
  }
}
