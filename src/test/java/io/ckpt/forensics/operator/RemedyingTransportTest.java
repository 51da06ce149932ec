package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.kubelet.BearerToken;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.kubelet.CheckpointTarget;
import io.ckpt.forensics.kubelet.CheckpointTransport;
import io.ckpt.forensics.kubelet.DirectKubeletTransport;
import io.ckpt.forensics.kubelet.KubeletAnswer;
import io.ckpt.forensics.kubelet.KubeletAnswerClassifier;
import io.ckpt.forensics.kubelet.KubeletEndpoint;
import io.ckpt.forensics.kubelet.NodeEndpointResolver;
import io.ckpt.forensics.kubelet.SetupGap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remedies the operator adds to failures that point at its own set-up: the whole message a user
 * reads (the kubelet layer's fact, then the chart value or environment variable to change).
 */
class RemedyingTransportTest {

  private static final CheckpointTarget TARGET = new CheckpointTarget("worker-1", "shop", "web-7d9f8", "app", 300);
  private static final KubeletAnswerClassifier.DirectCall CALL = new KubeletAnswerClassifier.DirectCall(
      new KubeletEndpoint("worker-1", "10.0.0.5", 10250, "InternalIP"),
      "the service-account token file /var/run/secrets/kubernetes.io/serviceaccount/token",
      "the CA bundle FCP_KUBELET_CA_FILE=/etc/kubelet-ca/ca.crt (1 certificate)");

  @TempDir
  Path dir;

  @Test
  void theApiServersKubeletClientIsGrantedWithTheChartsBinding() {
    String message = remedied(KubeletAnswerClassifier.classify(new KubeletAnswer(403, "text/plain",
        "Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes, subresource(s)=[checkpoint])"),
        TARGET));

    assertThat(message).isEqualTo("the kubelet on node worker-1 refused kube-apiserver-kubelet-client: it lacks create"
        + " on nodes/checkpoint (Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes,"
        + " subresource(s)=[checkpoint])). Through the node proxy the kubelet authorizes the API server's kubelet"
        + " client, not the operator; grant it with the chart value kubeletClientBinding.enabled=true (name"
        + " kube-apiserver-kubelet-client)");
  }

  @Test
  void theOperatorsNodesProxyRightComesFromTheChartsClusterRole() {
    String message = remedied(KubeletAnswerClassifier.classify(new KubeletAnswer(403, "application/json",
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"nodes \\\"worker-1\\\" is"
            + " forbidden: User \\\"system:serviceaccount:forensics:op\\\" cannot create resource \\\"nodes/proxy\\\""
            + " in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"code\":403}"), TARGET));

    assertThat(message).isEqualTo("the API server refused the operator's identity: nodes \"worker-1\" is forbidden:"
        + " User \"system:serviceaccount:forensics:op\" cannot create resource \"nodes/proxy\" in API group \"\" at"
        + " the cluster scope. The operator needs create on nodes/proxy (the Helm chart's ClusterRole grants it)");
  }

  @Test
  void theOperatorsNodesCheckpointRightComesWithTransportDirect() {
    String message = remedied(KubeletAnswerClassifier.classifyDirect(new KubeletAnswer(403, "text/plain",
        "Forbidden (user=system:serviceaccount:forensics:op, verb=create, resource=nodes,"
            + " subresource(s)=[checkpoint])"), TARGET, CALL));

    assertThat(message).isEqualTo("the kubelet on node worker-1 refused the operator's identity"
        + " system:serviceaccount:forensics:op: it lacks create on nodes/checkpoint (Forbidden"
        + " (user=system:serviceaccount:forensics:op, verb=create, resource=nodes, subresource(s)=[checkpoint])). The"
        + " direct transport needs create on nodes/checkpoint for the identity whose token it sends, from the"
        + " service-account token file /var/run/secrets/kubernetes.io/serviceaccount/token (with transport=direct"
        + " the Helm chart grants it to the checkpointer ServiceAccount, chart value direct.checkpointer.name,"
        + " FCP_KUBELET_SERVICE_ACCOUNT); the kubelet caches a denial for up to 30 s");
  }

  @Test
  void anUntrustedKubeletCertificateNamesTheChartsCaValue() {
    var handshake = new SSLHandshakeException("PKIX path building failed");
    handshake.initCause(new CertPathBuilderException("unable to find valid certification path to requested target"));

    String message = remedied(KubeletAnswerClassifier.classifyDirectError(handshake, TARGET, CALL));

    assertThat(message).isEqualTo("the kubelet at 10.0.0.5:10250 (InternalIP of node worker-1) presented a serving"
        + " certificate that is not signed by a CA in the CA bundle FCP_KUBELET_CA_FILE=/etc/kubelet-ca/ca.crt"
        + " (1 certificate) (SSLHandshakeException: PKIX path building failed; CertPathBuilderException: unable to"
        + " find valid certification path to requested target). Nothing was sent. Put the CA that signs your"
        + " kubelets' serving certificates into that bundle (chart value direct.kubeletCA), or check that this"
        + " really is node worker-1's kubelet");
  }

  @Test
  void aCertificateWithoutTheAddressNamesTheAddressTypesVariable() {
    String message = remedied(KubeletAnswerClassifier.classifyDirectError(
        new SSLPeerUnverifiedException("Hostname 10.0.0.5 not verified"), TARGET, CALL));

    assertThat(message).isEqualTo("the kubelet at 10.0.0.5:10250 (InternalIP of node worker-1) presented a"
        + " certificate that does not name 10.0.0.5 (SSLPeerUnverifiedException: Hostname 10.0.0.5 not verified)."
        + " Nothing was sent. Choose an address type the certificate covers (FCP_NODE_ADDRESS_TYPES) or reissue"
        + " kubelet serving certificates with it");
  }

  @Test
  void gapsFoundBeforeTheCallNameTheirSetting() {
    assertThat(remedied(CheckpointOutcome.Failure.dueTo(SetupGap.of(SetupGap.Kind.NO_BEARER_TOKEN),
        new CheckpointFailure(FailureReason.Forbidden, "the direct transport has no bearer token to show the kubelet"
            + " on node worker-1: the file /t gives none", null))))
        .isEqualTo("the direct transport has no bearer token to show the kubelet on node worker-1: the file /t gives"
            + " none. Run the operator with a service account token (automountServiceAccountToken) or set"
            + " FCP_TOKEN_FILE");
    assertThat(remedied(CheckpointOutcome.Failure.dueTo(SetupGap.of(SetupGap.Kind.OPERATOR_CANNOT_GET_NODES),
        new CheckpointFailure(FailureReason.Forbidden, "the operator may not read Node worker-1 (HTTP 403). The"
            + " direct transport needs get on nodes to find the kubelet's address", 403))))
        .endsWith("to find the kubelet's address (the Helm chart grants it with transport=direct)");
    assertThat(remedied(CheckpointOutcome.Failure.dueTo(SetupGap.of(SetupGap.Kind.NO_ADDRESS_OF_PREFERRED_TYPES),
        new CheckpointFailure(FailureReason.NodeUnreachable, "Node worker-1 reports no address of the preferred"
            + " types [ExternalIP] (known: [InternalIP=10.0.0.5])", null))))
        .isEqualTo("Node worker-1 reports no address of the preferred types [ExternalIP] (known:"
            + " [InternalIP=10.0.0.5]); set FCP_NODE_ADDRESS_TYPES (chart value direct.nodeAddressTypes) to types"
            + " your nodes report");
  }

  @Test
  void theTransportAddsTheRemedyAndKeepsEverythingElse() {
    CheckpointOutcome.Failure gap = new CheckpointOutcome.Failure(new CheckpointFailure(FailureReason.Forbidden,
        "the API server refused the operator's identity: no. The operator needs create on nodes/proxy", 403), false,
        2, java.util.Optional.of(SetupGap.of(SetupGap.Kind.OPERATOR_CANNOT_PROXY)));
    CheckpointOutcome.Failure plain = new CheckpointOutcome.Failure(new CheckpointFailure(FailureReason.Timeout,
        "no answer", null));
    CheckpointOutcome success = new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/a.tar");
    List<CheckpointOutcome> answers = List.of(gap, plain, success);
    int[] call = {0};
    CheckpointTransport scripted = target -> CompletableFuture.completedFuture(answers.get(call[0]++));

    try (RemedyingTransport transport = new RemedyingTransport(scripted)) {
      var remedied = (CheckpointOutcome.Failure) transport.checkpoint(TARGET).join();
      assertThat(remedied.failure().getMessage()).endsWith("nodes/proxy (the Helm chart's ClusterRole grants it)");
      assertThat(remedied.failure().getHttpStatus()).isEqualTo(403);
      assertThat(remedied.retries()).isEqualTo(2);
      assertThat(remedied.gap()).isEmpty();
      assertThat(transport.checkpoint(TARGET).join()).isSameAs(plain);
      assertThat(transport.checkpoint(TARGET).join()).isSameAs(success);
    }
  }

  @Test
  void aLongMessageKeepsItsHeadAndEndsWithTheRemedy() {
    String body = "Forbidden (user=x, " + "y".repeat(3000) + ")";
    String message = remedied(KubeletAnswerClassifier.classify(new KubeletAnswer(403, "text/plain", body), TARGET));

    assertThat(message).hasSize(KubeletAnswerClassifier.MAX_MESSAGE_CHARS).startsWith("the kubelet on node worker-1")
        .contains(" [...] ").endsWith("not the operator; grant it with the chart value"
            + " kubeletClientBinding.enabled=true (name x)");
  }

  @Test
  void kubeletTrustSettingsAreNamedByTheOperator() throws Exception {
    OperatorConfig.Direct insecure = new OperatorConfig.Direct(List.of("InternalIP"), dir.resolve("token"), null,
        true);
    Files.writeString(dir.resolve("token"), "t");
    try (DirectKubeletTransport transport = new DirectKubeletTransport(new NodeEndpointResolver(null,
        List.of("InternalIP")), new BearerToken(dir.resolve("token"), () -> null), insecure.kubeletTrust())) {
      assertThat(transport.warning()).contains("the kubelet's serving certificate is not verified"
          + " (FCP_KUBELET_INSECURE_SKIP_VERIFY=true): the operator cannot prove that it sent its token to, and got"
          + " the archive path from, the real kubelet of the node");
    }
    assertThat(insecure.kubeletTrust().description()).isEqualTo("no verification (FCP_KUBELET_INSECURE_SKIP_VERIFY=true)");

    Path empty = Files.createFile(dir.resolve("empty.pem"));
    assertThatThrownBy(() -> new OperatorConfig.Direct(List.of("InternalIP"), dir.resolve("token"), empty, false)
        .kubeletTrust()).hasMessage("FCP_KUBELET_CA_FILE: " + empty + " holds no PEM certificate");
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> new OperatorConfig.Direct(List.of("InternalIP"), dir.resolve("token"), missing, false)
        .kubeletTrust()).hasMessageStartingWith("FCP_KUBELET_CA_FILE: cannot read " + missing);
  }

  private static String remedied(CheckpointOutcome outcome) {
    assertThat(outcome).isInstanceOf(CheckpointOutcome.Failure.class);
    assertThat(((CheckpointOutcome.Failure) outcome).gap()).as("a gap the operator has a remedy for").isPresent();
    return ((CheckpointOutcome.Failure) RemedyingTransport.withRemedy(outcome, TARGET)).failure().getMessage();
  }
}
