package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.CheckpointCall;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The direct kubelet transport against real RBAC: the chart installed with transport=direct grants
 * the operator get nodes and tokens of a checkpointer ServiceAccount, which alone may create
 * nodes/checkpoint, and no nodes/proxy; the simulated kubelets authenticate the token they get with
 * a TokenReview and authorize it with a SubjectAccessReview, as a kubelet does.
 */
class DirectTransportIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("direct-it").nodes(2),
      Map.of("transport", "direct"));
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  @BeforeAll
  static void useCluster() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
    kubeletCa = CLUSTER.kubeletCaFile();
  }

  static final Duration WAIT = Duration.ofSeconds(60);
  static final String OPERATOR_USER = "system:serviceaccount:" + ChartRelease.NAMESPACE + ":"
      + ChartRelease.SERVICE_ACCOUNT;
  /** The chart's second ServiceAccount, whose short-lived tokens are all a kubelet ever sees. */
  static final String CHECKPOINTER = ChartRelease.SERVICE_ACCOUNT + "-checkpointer";
  static final String CHECKPOINTER_USER = "system:serviceaccount:" + ChartRelease.NAMESPACE + ":" + CHECKPOINTER;
  static Path kubeletCa;

  /** Operator settings for one namespace (each test runs its own operator on its own namespace). */
  static OperatorConfig settings(String namespace, String transport, Map<String, String> extra) {
    return CLUSTER.operatorSettings(namespace, transport, extra);
  }

  static OperatorMain.Running start(OperatorConfig settings) {
    try {
      return OperatorMain.start(settings, chart.operatorClientConfig());
    } catch (Exception e) {
      throw new AssertionError("operator did not start: " + e.getMessage(), e);
    }
  }

  static List<CheckpointCall> calls(SimulatedNode node, String namespace) {
    return node.calls().stream().filter(c -> c.target().startsWith("/checkpoint/" + namespace + "/")).toList();
  }

  static boolean allowed(String user, String resource, String subresource, String namespace, String name) {
    var review = lab.adminClient().authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
        .withNewSpec().withUser(user).withGroups("system:serviceaccounts")
        .withNewResourceAttributes().withVerb("create").withResource(resource).withSubresource(subresource)
        .withNamespace(namespace).withName(name).endResourceAttributes().endSpec().build());
    return Boolean.TRUE.equals(review.getStatus().getAllowed());
  }

  @Test
  void directSucceedsWithoutNodesProxyAndProxyWithTheSameRightsIsForbidden() {
    for (String resource : List.of("proxy", "checkpoint")) {
      assertThat(allowed(OPERATOR_USER, "nodes", resource, null, "worker-1"))
          .as("the operator itself may not create nodes/" + resource).isFalse();
      assertThat(allowed(CHECKPOINTER_USER, "nodes", resource, null, "worker-1"))
          .as("the checkpointer may create nodes/" + resource).isEqualTo(resource.equals("checkpoint"));
    }
    assertThat(allowed(OPERATOR_USER, "serviceaccounts", "token", ChartRelease.NAMESPACE, CHECKPOINTER))
        .as("the operator mints the checkpointer's tokens").isTrue();
    assertThat(allowed(OPERATOR_USER, "serviceaccounts", "token", ChartRelease.NAMESPACE,
        ChartRelease.SERVICE_ACCOUNT)).as("and no other account's").isFalse();
    SimulatedNode node = lab.node(1);
    lab.createRunningPod("direct", "web", node, "app");
    lab.createRunningPod("viaproxy", "web", node, "app");

    try (OperatorMain.Running direct = start(settings("direct", "direct", Map.of()))) {
      fcps.create("direct", "least-privilege", "web", "app");
      ForensicCheckpoint done = fcps.awaitTerminal("direct", "least-privilege", WAIT);

      assertThat(done.getStatus().getPhase()).as(done.getStatus().getMessage()).isEqualTo(CheckpointPhase.Succeeded);
      ContainerCheckpointStatus app = Checkpoints.container(done, "app");
      assertThat(Files.exists(node.archiveFile(app.getArchivePath()))).isTrue();
      List<CheckpointCall> calls = calls(node, "direct");
      assertThat(calls).singleElement().satisfies(call -> {
        assertThat(call.user()).as("the kubelet's TokenReview sees the checkpointer, never the operator")
            .isEqualTo(CHECKPOINTER_USER);
        assertThat(call.archivePath()).isEqualTo(app.getArchivePath());
      });
    }

    try (OperatorMain.Running proxy = start(settings("viaproxy", "proxy", Map.of()))) {
      fcps.create("viaproxy", "needs-node-proxy", "web", "app");
      ForensicCheckpoint done = fcps.awaitTerminal("viaproxy", "needs-node-proxy", WAIT);

      var failure = Checkpoints.container(done, "app").getFailure();
      assertThat(failure.getReason()).isEqualTo(FailureReason.Forbidden);
      assertThat(failure.getHttpStatus()).isEqualTo(403);
      assertThat(failure.getMessage()).contains(OPERATOR_USER).contains("nodes/proxy");
      assertThat(calls(node, "viaproxy")).as("the API server refused before any kubelet call").isEmpty();
    }
  }

  @Test
  void aKubeletCertificateFromAnotherCaIsRefusedUnlessVerificationIsSwitchedOff() {
    SimulatedNode node = lab.node(2);
    lab.createRunningPod("rogue", "web", node, "app");
    lab.createRunningPod("unverified", "web", node, "app");
    node.serveCertificateFromOtherCa(true);

    try (OperatorMain.Running direct = start(settings("rogue", "direct", Map.of()))) {
      fcps.create("rogue", "impostor", "web", "app");
      ForensicCheckpoint done = fcps.awaitTerminal("rogue", "impostor", WAIT);

      var failure = Checkpoints.container(done, "app").getFailure();
      assertThat(failure.getReason()).isEqualTo(FailureReason.NodeUnreachable);
      assertThat(failure.getMessage()).contains("not signed by a CA in the CA bundle FCP_KUBELET_CA_FILE="
          + kubeletCa).contains(node.address() + ":" + node.kubeletPort()).contains("Nothing was sent");
      assertThat(calls(node, "rogue")).as("no request went to the impostor").isEmpty();
    }

    try (OperatorMain.Running insecure = start(settings("unverified", "direct",
        Map.of(OperatorConfig.KUBELET_INSECURE_SKIP_VERIFY, "true", OperatorConfig.KUBELET_CA_FILE, "")))) {
      fcps.create("unverified", "accepted", "web", "app");
      ForensicCheckpoint done = fcps.awaitTerminal("unverified", "accepted", WAIT);

      assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
      Awaitility.await("events of unverified/accepted").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(lab.adminClient().v1().events().inNamespace("unverified").list().getItems())
              .filteredOn(e -> "accepted".equals(e.getInvolvedObject().getName()))
              .extracting(e -> e.getReason() + " " + e.getType())
              .contains("KubeletNotVerified Warning", "CheckpointSucceeded Normal"));
    }
  }

  /** Without FCP_KUBELET_SERVICE_ACCOUNT the token file's token goes to kubelets (here a checkpointer token). */
  @Test
  void aRevokedTokenFailsUntilTheRotatedFileIsReadAgain() throws IOException {
    SimulatedNode node = lab.node(1);
    lab.createRunningPod("rotate", "web", node, "app");
    var admin = lab.adminClient();
    Secret anchor = admin.secrets().inNamespace(ChartRelease.NAMESPACE).resource(new SecretBuilder()
        .withNewMetadata().withName("token-anchor").endMetadata().build()).create();
    // a token bound to the Secret dies with it, as a projected token does with its pod
    String bound = admin.serviceAccounts().inNamespace(ChartRelease.NAMESPACE).withName(CHECKPOINTER)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L)
            .withNewBoundObjectRef().withApiVersion("v1").withKind("Secret").withName("token-anchor")
            .withUid(anchor.getMetadata().getUid()).endBoundObjectRef().endSpec().build())
        .getStatus().getToken();
    Path rotating = Files.writeString(lab.runDir().resolve("rotating-token"), bound);

    try (OperatorMain.Running operator = start(settings("rotate", "direct",
        Map.of(OperatorConfig.TOKEN_FILE, rotating.toString(), OperatorConfig.KUBELET_SERVICE_ACCOUNT, "")))) {
      fcps.create("rotate", "fresh", "web", "app");
      assertThat(fcps.awaitTerminal("rotate", "fresh", WAIT).getStatus().getPhase())
          .isEqualTo(CheckpointPhase.Succeeded);

      admin.secrets().inNamespace(ChartRelease.NAMESPACE).withName("token-anchor").delete();
      // the API server caches successful token authentications for 10 s
      Awaitility.await("the bound token is revoked").atMost(Duration.ofSeconds(30)).until(() -> !Boolean.TRUE.equals(
          admin.authentication().v1().tokenReviews().create(new TokenReviewBuilder().withNewSpec().withToken(bound)
              .endSpec().build()).getStatus().getAuthenticated()));
      fcps.create("rotate", "revoked", "web", "app");
      ForensicCheckpoint revoked = fcps.awaitTerminal("rotate", "revoked", WAIT);
      var failure = Checkpoints.container(revoked, "app").getFailure();
      assertThat(failure.getReason()).isEqualTo(FailureReason.Forbidden);
      assertThat(failure.getHttpStatus()).isEqualTo(401);
      assertThat(failure.getMessage()).contains("did not authenticate the operator").contains(rotating.toString())
          .doesNotContain(bound);

      // the kubelet (here: the test) writes a new token into the projected file
      Files.writeString(rotating, lab.mintToken(ChartRelease.NAMESPACE, CHECKPOINTER));
      fcps.create("rotate", "rotated", "web", "app");
      ForensicCheckpoint rotated = fcps.awaitTerminal("rotate", "rotated", WAIT);
      assertThat(rotated.getStatus().getPhase()).as(rotated.getStatus().getMessage())
          .isEqualTo(CheckpointPhase.Succeeded);
      assertThat(calls(node, "rotate")).extracting(CheckpointCall::status).containsExactly(200, 401, 200);
    }
  }
}
