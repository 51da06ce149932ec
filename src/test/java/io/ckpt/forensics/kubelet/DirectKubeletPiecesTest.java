package io.ckpt.forensics.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The direct transport's parts that need no kubelet: address choice, token re-reading, answer texts,
 * and how it reads a body that is huge, dripping or broken off.
 */
class DirectKubeletPiecesTest {

  static final CheckpointTarget TARGET = new CheckpointTarget("worker-1", "shop", "web-7d9f8", "app", 300);
  static final KubeletAnswerClassifier.DirectCall CALL = new KubeletAnswerClassifier.DirectCall(
      new KubeletEndpoint("worker-1", "10.0.0.5", 10250, "InternalIP"),
      "the service-account token file /var/run/secrets/kubernetes.io/serviceaccount/token",
      "the CA bundle FCP_KUBELET_CA_FILE=/etc/kubelet-ca/ca.crt (1 certificate)");

  @TempDir
  Path dir;

  static Node node(Integer port, String... typeAndAddress) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName("worker-1").endMetadata().withNewStatus()
        .endStatus();
    for (int i = 0; i < typeAndAddress.length; i += 2) {
      b.editStatus().addNewAddress().withType(typeAndAddress[i]).withAddress(typeAndAddress[i + 1]).endAddress()
          .endStatus();
    }
    if (port != null) {
      b.editStatus().withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(port).endKubeletEndpoint()
          .endDaemonEndpoints().endStatus();
    }
    return b.build();
  }

  @Test
  void picksTheFirstAddressOfTheMostPreferredTypeAndTheReportedPort() throws Exception {
    Node node = node(10350, "Hostname", "worker-1", "ExternalIP", "203.0.113.7", "InternalIP", "10.0.0.5",
        "InternalIP", "10.0.0.6");

    assertThat(NodeEndpointResolver.pick(node, List.of("InternalIP", "ExternalIP", "Hostname")))
        .contains(new KubeletEndpoint("worker-1", "10.0.0.5", 10350, "InternalIP"));
    assertThat(NodeEndpointResolver.pick(node, List.of("Hostname", "InternalIP")))
        .contains(new KubeletEndpoint("worker-1", "worker-1", 10350, "Hostname"));
    assertThat(NodeEndpointResolver.pick(node, List.of("InternalDNS"))).isEmpty();
  }

  @Test
  void defaultsTheKubeletPortAndBracketsIpv6() throws Exception {
    var endpoint = NodeEndpointResolver.pick(node(null, "InternalIP", "fd00::5"), List.of("InternalIP"))
        .orElseThrow();

    assertThat(endpoint.port()).isEqualTo(10250);
    assertThat(endpoint.baseUrl()).isEqualTo("https://[fd00::5]:10250");
  }

  @Test
  void anAddressWithAPathFragmentUserinfoOrSpaceFailsNamingTheNodeAndTheField() {
    for (String bad : List.of("10.0.0.5/evil?x=", "attacker.example#", "user@10.0.0.5", "10.0.0.5:443",
        "10.0.0.5 extra", "evil.example/checkpoint", "[fd00::5]", "fd00::5%eth0", "a..b", "-leading.example")) {
      assertThatThrownBy(() -> NodeEndpointResolver.pick(node(10250, "InternalIP", bad), List.of("InternalIP")))
          .as(bad).isInstanceOfSatisfying(NodeEndpointResolver.Unresolvable.class, e -> {
            assertThat(e.failure().getReason()).isEqualTo(FailureReason.NodeUnreachable);
            assertThat(e.failure().getMessage()).contains("Node worker-1")
                .contains("status.addresses[type=InternalIP].address").contains("Nothing was sent");
          });
    }
  }

  @Test
  void aPortOutOfRangeFailsNamingTheField() {
    for (int bad : List.of(-1, 65536, 70000)) {
      assertThatThrownBy(() -> NodeEndpointResolver.pick(node(bad, "InternalIP", "10.0.0.5"), List.of("InternalIP")))
          .as("port " + bad).isInstanceOfSatisfying(NodeEndpointResolver.Unresolvable.class, e ->
              assertThat(e.failure().getMessage()).contains("Node worker-1")
                  .contains("status.daemonEndpoints.kubeletEndpoint.Port").contains("'" + bad + "'"));
    }
  }

  @Test
  void ipLiteralsAndDnsNamesAreAccepted() throws Exception {
    for (String good : List.of("10.0.0.5", "fd00::5", "::1", "::ffff:10.0.0.5", "2001:db8:0:0:0:0:0:1",
        "worker-1", "ip-10-0-0-5.eu-west-1.compute.internal", "node.example.")) {
      assertThat(NodeEndpointResolver.pick(node(65535, "InternalIP", good), List.of("InternalIP")))
          .as(good).map(KubeletEndpoint::host).contains(good);
    }
  }

  @Test
  void theTokenFileIsReadAgainWhenItChanges() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "first-token\n");
    BearerToken token = new BearerToken(file, () -> "from-config");

    assertThat(token.current()).isEqualTo("first-token");
    Files.writeString(file, "second-token-longer\n");
    assertThat(token.current()).isEqualTo("second-token-longer");
    // same size, same time stamp granularity: invalidate() forces the read
    Files.writeString(file, "third-token-longer!\n");
    token.invalidate();
    assertThat(token.current()).isEqualTo("third-token-longer!");
    assertThat(token.source()).contains(file.toString()).doesNotContain("token-longer");
  }

  @Test
  void withoutATokenFileTheClientConfigurationsTokenIsUsed() {
    BearerToken token = new BearerToken(dir.resolve("absent"), () -> " kubeconfig-token ");

    assertThat(token.current()).isEqualTo("kubeconfig-token");
    assertThat(token.source()).contains("client configuration").doesNotContain("kubeconfig-token");
    assertThat(new BearerToken(dir.resolve("absent"), () -> null).current()).isNull();
  }

  @Test
  void aKubeletRefusalNamesTheOperatorsIdentityAndNodesCheckpoint() {
    CheckpointOutcome outcome = KubeletAnswerClassifier.classifyDirect(new KubeletAnswer(403, "text/plain",
        "Forbidden (user=system:serviceaccount:forensics:op, verb=create, resource=nodes,"
            + " subresource(s)=[checkpoint])\n"), TARGET, CALL);
    CheckpointFailure failure = failure(outcome);

    assertThat(failure.getReason()).isEqualTo(FailureReason.Forbidden);
    assertThat(failure.getMessage()).contains("refused the operator's identity system:serviceaccount:forensics:op")
        .contains("create on nodes/checkpoint").doesNotContain("kubeletClientBinding").doesNotContain("nodes/proxy");
    // the operator adds the chart value that grants it
    assertThat(((CheckpointOutcome.Failure) outcome).gap())
        .contains(SetupGap.of(SetupGap.Kind.OPERATOR_CANNOT_CHECKPOINT));
  }

  @Test
  void anUnauthenticatedCallNamesTheTokenSource() {
    CheckpointFailure failure = failure(KubeletAnswerClassifier.classifyDirect(
        new KubeletAnswer(401, "text/plain", "Unauthorized"), TARGET, CALL));

    assertThat(failure.getReason()).isEqualTo(FailureReason.Forbidden);
    assertThat(failure.getMessage()).contains("did not authenticate the operator")
        .contains("/var/run/secrets/kubernetes.io/serviceaccount/token").contains("expired");
  }

  @Test
  void aDirectJsonBodyIsStillTheKubeletsOwn() {
    CheckpointFailure failure = failure(KubeletAnswerClassifier.classifyDirect(new KubeletAnswer(404,
        "application/json", "{\"kind\":\"Status\",\"message\":\"nodes \\\"worker-1\\\" not found\"}"), TARGET, CALL));

    assertThat(failure.getReason()).isEqualTo(FailureReason.KubeletError);
    assertThat(failure.getMessage()).contains("the kubelet on node worker-1 answered 404");
  }

  @Test
  void anUntrustedCertificateNamesTheCaBundle() {
    var handshake = new SSLHandshakeException("PKIX path building failed");
    handshake.initCause(new CertPathBuilderException("unable to find valid certification path to requested target"));

    CheckpointFailure failure = failure(KubeletAnswerClassifier.classifyDirectError(handshake, TARGET, CALL));

    assertThat(failure.getReason()).isEqualTo(FailureReason.NodeUnreachable);
    assertThat(failure.getMessage()).contains("not signed by a CA in the CA bundle FCP_KUBELET_CA_FILE=")
        .contains("unable to find valid certification path").contains("Nothing was sent");
  }

  @Test
  void aRefusedConnectionSaysNothingWasSent() {
    CheckpointFailure failure = failure(KubeletAnswerClassifier.classifyDirectError(
        new ConnectException("Connection refused"), TARGET, CALL));

    assertThat(failure.getReason()).isEqualTo(FailureReason.NodeUnreachable);
    assertThat(failure.getMessage()).contains("could not connect to the kubelet at 10.0.0.5:10250")
        .contains("Nothing was sent");
  }

  @Test
  void aHugeBodyIsReadOnlyUpToTheBoundAndThenTheConnectionIsClosed() throws Exception {
    byte[] huge = ("{\"items\":[\"/var/lib/kubelet/checkpoints/x.tar\"]}" + " ".repeat(10 << 20))
        .getBytes(StandardCharsets.UTF_8);
    try (ScriptedPeer peer = ScriptedPeer.answering(200, "application/json", huge)) {
      long start = System.nanoTime();
      KubeletAnswer answer = readFrom(peer);

      assertThat(answer.ending()).isEqualTo(KubeletAnswer.Ending.OVER_LIMIT);
      assertThat(answer.body()).hasSize(KubeletAnswer.MAX_BODY_BYTES).startsWith("{\"items\":[");
      assertThat(answer.bytesRead()).isGreaterThan(KubeletAnswer.MAX_BODY_BYTES).isLessThan(huge.length);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(KubeletAnswer.BODY_DEADLINE);
      assertThat(failure(KubeletAnswerClassifier.classifyDirect(answer, TARGET, CALL)).getMessage())
          .startsWith("the kubelet at 10.0.0.5:10250 (InternalIP of node worker-1) answered 200 with a body over"
              + " 64 KiB")
          .contains("may have written an archive on node worker-1");
    }
  }

  @Test
  void aDrippingBodyStopsAtTheBodyDeadline() throws Exception {
    try (ScriptedPeer peer = new ScriptedPeer(200, "application/json", "{".getBytes(StandardCharsets.UTF_8), 500,
        ScriptedPeer.Then.DRIP)) {
      long start = System.nanoTime();
      KubeletAnswer answer = readFrom(peer);

      assertThat(answer.ending()).isEqualTo(KubeletAnswer.Ending.TOO_SLOW);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(KubeletAnswer.BODY_DEADLINE,
          KubeletAnswer.BODY_DEADLINE.plusSeconds(5));
      assertThat(answer.bytesRead()).isBetween(30L, 60L);
      CheckpointFailure failure = failure(KubeletAnswerClassifier.classifyDirect(answer, TARGET, CALL));
      assertThat(failure.getReason()).isEqualTo(FailureReason.KubeletError);
      assertThat(failure.getMessage()).contains("answered 200 but its body did not finish within 10 s");
    }
  }

  @Test
  void aResetMidAnswerIsABrokenAnswer() throws Exception {
    try (ScriptedPeer peer = new ScriptedPeer(200, "application/json", "{\"items\":[\"/var".getBytes(
        StandardCharsets.UTF_8), 80, ScriptedPeer.Then.RESET)) {
      KubeletAnswer answer = readFrom(peer);

      assertThat(answer.ending()).isEqualTo(KubeletAnswer.Ending.BROKEN);
      assertThat(answer.bytesRead()).isEqualTo(15);
      CheckpointFailure failure = failure(KubeletAnswerClassifier.classifyDirect(answer, TARGET, CALL));
      assertThat(failure.getReason()).isEqualTo(FailureReason.NodeUnreachable);
      assertThat(failure.getMessage()).contains("the connection was reset mid-answer after 15 body bytes (")
          .contains("may have written an archive on node worker-1");
    }
  }

  /** The direct transport's body reading, over plain HTTP (the TLS around it changes nothing here). */
  private static KubeletAnswer readFrom(ScriptedPeer peer) throws Exception {
    OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    Call call = client.newCall(new Request.Builder().url("http://127.0.0.1:" + peer.port() + "/checkpoint/a/b/c")
        .post(RequestBody.create(new byte[0], null)).build());
    try (Response response = call.execute()) {
      return DirectKubeletTransport.read(call, response);
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  private static CheckpointFailure failure(CheckpointOutcome outcome) {
    assertThat(outcome).isInstanceOf(CheckpointOutcome.Failure.class);
    return ((CheckpointOutcome.Failure) outcome).failure();
  }
}
