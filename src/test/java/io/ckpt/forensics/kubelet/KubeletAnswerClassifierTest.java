package io.ckpt.forensics.kubelet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every answer listed in docs/design/kubelet-answers.md, with its exact text, maps to its
 * documented reason. Row ids (K5, A2, C8, ...) are those of that file.
 */
class KubeletAnswerClassifierTest {

  static final CheckpointTarget TARGET = new CheckpointTarget("worker-1", "shop", "web-7d9f8", "app", 300);
  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";
  static final String FAILED = "checkpointing of shop/web-7d9f8/app failed (";

  static String status(int code, String reason, String message) {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
        + message.replace("\"", "\\\"") + "\"" + (reason.isEmpty() ? "" : ",\"reason\":\"" + reason + "\"")
        + ",\"code\":" + code + "}\n";
  }

  static Stream<Arguments> answers() {
    return Stream.of(
        // kubelet, relayed unchanged by the proxy
        Arguments.of("K2/K3 gate off", 404, TEXT, "404 page not found\n", FailureReason.CheckpointingDisabled),
        Arguments.of("K4 kubelet 401", 401, TEXT, "Unauthorized", FailureReason.Forbidden),
        Arguments.of("K5 kubelet 403 (1.32+)", 403, TEXT, "Forbidden (user=kube-apiserver-kubelet-client, verb=create,"
            + " resource=nodes, subresource(s)=[checkpoint])\n", FailureReason.Forbidden),
        Arguments.of("K5b kubelet 403 (1.30)", 403, TEXT, "Forbidden (user=kube-apiserver-kubelet-client, verb=create,"
            + " resource=nodes, subresource=checkpoint)", FailureReason.Forbidden),
        Arguments.of("K7 SAR error", 500, TEXT, "Authorization error (user=kube-apiserver-kubelet-client, verb=create,"
            + " resource=nodes, subresource=checkpoint)", FailureReason.KubeletError),
        Arguments.of("K8 pod unknown to kubelet", 404, TEXT, "pod does not exist", FailureReason.PodNotFound),
        Arguments.of("K9 container not in spec", 404, TEXT, "container app does not exist",
            FailureReason.ContainerNotFound),
        Arguments.of("K10 bad timeout", 404, TEXT, "cannot parse value of timeout parameter",
            FailureReason.KubeletError),
        Arguments.of("K11 negative timeout", 500, TEXT, FAILED
            + "CheckpointContainer requires the timeout value to be > 0)", FailureReason.KubeletError),
        Arguments.of("K12 container not running", 500, TEXT, FAILED + "container app not found)",
            FailureReason.ContainerNotRunning),
        Arguments.of("K14/D1 containerd 1.7", 500, TEXT, FAILED + "rpc error: code = Unimplemented desc = method"
            + " CheckpointContainer not implemented)", FailureReason.RuntimeUnsupported),
        Arguments.of("K15 unknown method", 500, TEXT, FAILED + "rpc error: code = Unimplemented desc = unknown method"
            + " CheckpointContainer for service runtime.v1.RuntimeService)", FailureReason.RuntimeUnsupported),
        Arguments.of("K16 CRI deadline", 500, TEXT, FAILED + "rpc error: code = DeadlineExceeded desc = context"
            + " deadline exceeded)", FailureReason.Timeout),
        // the runtime's gRPC server resets the stream at the same deadline; a real kubelet answers so
        // when the reset comes first (KubeletDifferentialIT)
        Arguments.of("K16 CRI deadline, stream reset first", 500, TEXT, FAILED + "rpc error: code = DeadlineExceeded"
            + " desc = stream terminated by RST_STREAM with error code: CANCEL)", FailureReason.Timeout),
        Arguments.of("K17 canceled", 500, TEXT, FAILED + "rpc error: code = Canceled desc = context canceled)",
            FailureReason.Timeout),
        Arguments.of("K18 wrong method", 405, TEXT, "405: Method Not Allowed", FailureReason.KubeletError),
        Arguments.of("K19 short path", 404, TEXT, "404: Page Not Found", FailureReason.KubeletError),
        Arguments.of("K20 accept", 415, TEXT, "415: Unsupported Media Type\n\nAvailable representations:"
            + " application/json", FailureReason.KubeletError),
        // CRI-O
        Arguments.of("C1 CRI-O without CRIU", 500, TEXT, FAILED + "rpc error: code = Unknown desc = checkpoint/restore"
            + " support not available)", FailureReason.CRIUFailed),
        Arguments.of("C2 CRI-O container gone", 500, TEXT, FAILED + "rpc error: code = NotFound desc = could not find"
            + " container \"3f1c9a\": specified container not found: 3f1c9a)", FailureReason.ContainerNotRunning),
        Arguments.of("C3 CRI-O not running", 500, TEXT, FAILED + "rpc error: code = Unknown desc = container 3f1c9a is"
            + " not running)", FailureReason.ContainerNotRunning),
        Arguments.of("C4 CRI-O old CRIU", 500, TEXT, FAILED + "rpc error: code = Unknown desc = failed to checkpoint"
            + " container 3f1c9a: check for CRIU checkpoint/restore requires at least CRIU 31600, current version is"
            + " 31500)", FailureReason.CRIUFailed),
        Arguments.of("C6 VM runtime", 500, TEXT, FAILED + "rpc error: code = Unknown desc = failed to checkpoint"
            + " container 3f1c9a: configured runtime does not support checkpoint/restore)",
            FailureReason.RuntimeUnsupported),
        Arguments.of("C8 CRIU dump failed (runc)", 500, TEXT, FAILED + "rpc error: code = Unknown desc = failed to"
            + " checkpoint container 3f1c9a: running \"/usr/bin/runc\" [\"checkpoint\" \"--file-locks\" \"--image-path\""
            + " \"/var/lib/containers/storage/overlay-containers/3f1c9a/userdata/checkpoint\" \"--leave-running\""
            + " \"3f1c9a\"] failed: `/usr/bin/runc --root /run/runc checkpoint 3f1c9a` failed: time=\"2026-11-23T10:00:00Z\""
            + " level=error msg=\"criu failed: type NOTIFY errno 0\\nlog file: /var/lib/containers/dump.log\""
            + " : exit status 1)", FailureReason.CRIUFailed),
        Arguments.of("C8 CRIU dump failed (crun)", 500, TEXT, FAILED + "rpc error: code = Unknown desc = failed to"
            + " checkpoint container 3f1c9a: running \"/usr/bin/crun\" [...] failed: CRIU checkpointing failed -52."
            + "  Please check CRIU logfile /var/lib/containers/dump.log: exit status 1)", FailureReason.CRIUFailed),
        Arguments.of("C9 disk full", 500, TEXT, FAILED + "rpc error: code = Unknown desc = failed to write file system"
            + " changes of container 3f1c9a: error creating checkpoint export file \"/var/lib/kubelet/checkpoints/x.tar\":"
            + " no space left on device)", FailureReason.KubeletError),
        // containerd 2.x
        Arguments.of("D2 containerd no CRIU", 500, TEXT, FAILED + "rpc error: code = Unknown desc = CRIU binary not"
            + " found or too old (<31600). Failed to checkpoint container \"3f1c9a\": failed to check for criu version:"
            + " exec: \"criu\": executable file not found in $PATH)", FailureReason.CRIUFailed),
        Arguments.of("D3 containerd CRIU disabled", 500, TEXT, FAILED + "rpc error: code = Unknown desc = failed to"
            + " checkpoint container \"3f1c9a\": criu support is disabled by configuration)", FailureReason.CRIUFailed),
        Arguments.of("D7b containerd exited", 500, TEXT, FAILED + "rpc error: code = Unknown desc = container"
            + " \"3f1c9a\" is in CONTAINER_EXITED state. only CONTAINER_RUNNING containers can be checkpointed)",
            FailureReason.ContainerNotRunning),
        Arguments.of("D8 containerd dump failed", 500, TEXT, FAILED + "rpc error: code = Unknown desc = checkpointing"
            + " container \"3f1c9a\" failed: runc did not terminate successfully: exit status 1: criu failed: type"
            + " NOTIFY errno 0 path= /run/containerd/x/criu-dump.log: unknown)", FailureReason.CRIUFailed),
        // the API server itself (metav1.Status)
        Arguments.of("A1 operator unauthenticated", 401, JSON, status(401, "Unauthorized", "Unauthorized"),
            FailureReason.Forbidden),
        Arguments.of("A2 operator lacks nodes/proxy", 403, JSON, status(403, "Forbidden", "nodes \"worker-1\" is"
            + " forbidden: User \"system:serviceaccount:forensics:checkpoint-operator\" cannot create resource"
            + " \"nodes/proxy\" in API group \"\" at the cluster scope"), FailureReason.Forbidden),
        Arguments.of("A3 node gone", 404, JSON, status(404, "NotFound", "nodes \"worker-1\" not found"),
            FailureReason.NodeUnreachable),
        Arguments.of("A4 no address", 500, JSON, status(500, "", "no preferred addresses found; known addresses: []"),
            FailureReason.NodeUnreachable),
        Arguments.of("A5 loopback address", 400, JSON, status(400, "BadRequest", "address not allowed"),
            FailureReason.NodeUnreachable),
        Arguments.of("A8 refused", 503, JSON, status(503, "ServiceUnavailable", "error trying to reach service: dial"
            + " tcp 10.0.0.5:10250: connect: connection refused"), FailureReason.NodeUnreachable),
        Arguments.of("A11 kubelet cert", 503, JSON, status(503, "ServiceUnavailable", "error trying to reach service:"
            + " tls: failed to verify certificate: x509: certificate signed by unknown authority"),
            FailureReason.NodeUnreachable),
        Arguments.of("A13 dropped", 503, JSON, status(503, "ServiceUnavailable", "error trying to reach service: EOF"),
            FailureReason.NodeUnreachable),
        Arguments.of("502 from a proxy in between", 502, TEXT, "Bad Gateway", FailureReason.NodeUnreachable),
        Arguments.of("429 throttled", 429, JSON, status(429, "TooManyRequests", "Too many requests, please try again"
            + " later."), FailureReason.KubeletError));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void mapsEachAnswerToItsReason(String row, int code, String contentType, String body, FailureReason expected) {
    CheckpointOutcome outcome = KubeletAnswerClassifier.classify(new KubeletAnswer(code, contentType, body), TARGET);

    assertThat(outcome).isInstanceOf(CheckpointOutcome.Failure.class);
    CheckpointFailure failure = ((CheckpointOutcome.Failure) outcome).failure();
    assertThat(failure.getReason()).as(row).isEqualTo(expected);
    assertThat(failure.getHttpStatus()).isEqualTo(code);
    assertThat(failure.getMessage()).doesNotContain("\n").hasSizeLessThanOrEqualTo(1024);
  }

  @Test
  void successKeepsThePathExactlyAsReturned() {
    String path = "/var/lib/kubelet/checkpoints/checkpoint-web-7d9f8_shop-app-2026-11-23T10:15:42+02:00.tar";
    CheckpointOutcome outcome = KubeletAnswerClassifier.classify(
        new KubeletAnswer(200, JSON, "{\"items\":[\"" + path + "\"]}"), TARGET);

    assertThat(outcome).isEqualTo(new CheckpointOutcome.Success(path));
  }

  @Test
  void successWithoutExactlyOnePathIsAnError() {
    for (String body : new String[] {"{\"items\":[]}", "{\"items\":[\"/a\",\"/b\"]}", "not json", "{}",
        "{\"items\":[\"  \"]}", "{\"items\":[42]}"}) {
      CheckpointOutcome outcome = KubeletAnswerClassifier.classify(new KubeletAnswer(200, JSON, body), TARGET);
      assertThat(outcome).as(body).isInstanceOf(CheckpointOutcome.Failure.class);
      assertThat(((CheckpointOutcome.Failure) outcome).failure().getReason()).isEqualTo(FailureReason.KubeletError);
    }
  }

  @Test
  void anArchivePathThatIsRelativeUnprintableOrHugeIsNotRecorded() {
    String tooLong = "/" + "a".repeat(KubeletAnswerClassifier.MAX_ARCHIVE_PATH_CHARS);
    for (String path : new String[] {"checkpoint.tar", "../../etc/shadow", "/a\u001b[2J.tar", "/a\nb.tar",
        "/a\u202eraT.sh", "/a\u0085.tar", tooLong}) {
      String body = JsonNodeFactory.instance.objectNode().set("items", JsonNodeFactory.instance.arrayNode().add(path))
          .toString();
      var failure = failureOf(200, JSON, body);

      assertThat(failure.getReason()).as(path).isEqualTo(FailureReason.KubeletError);
      assertThat(failure.getMessage()).as(path).startsWith("the kubelet on node worker-1 answered 200 with an archive"
          + " path that is not absolute, printable and at most 4096 characters")
          .contains("The kubelet may have written an archive on node worker-1")
          .doesNotContain("\u001b").doesNotContain("\u202e").doesNotContain("\u0085");
    }
    assertThat(KubeletAnswerClassifier.classify(new KubeletAnswer(200, JSON,
        "{\"items\":[\"/var/lib/kubelet/checkpoints/checkpoint-p_ns-c-2026-11-23T10:15:42Z.tar\"]}"), TARGET))
        .isEqualTo(new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/checkpoint-p_ns-c-2026-11-23T10:15:42Z.tar"));
  }

  @Test
  void controlCharactersInAKubeletErrorReachStatusEscaped() {
    var failure = failureOf(500, "text/plain", "checkpointing failed: \u001b]8;;http://x\u0007evil\u202e");

    assertThat(failure.getMessage()).contains("\\u001b]8;;http://x\\u0007evil\\u202e").doesNotContain("\u001b")
        .doesNotContain("\u0007").doesNotContain("\u202e");
  }

  @Test
  void aBad200SaysWhatWasWrongAndThatAnArchiveMayExist() {
    Map<String, String> bodies = Map.of(
        "<html><head><title>Gateway</title></head></html>", "answered 200 but its body is not JSON (Content-Type"
            + " text/html)",
        "", "answered 200 but its body is not JSON",
        "{\"items\":[]}", "answered 200 with no archive path ({\"items\":[]})",
        "{\"items\":[\"/a.tar\",\"/b.tar\",\"/c.tar\"]}", "answered 200 with 3 archive paths instead of one",
        "{\"paths\":[\"/a.tar\"]}", "answered 200 without the list {\"items\":[...]}",
        "{\"items\":[42]}", "answered 200 with an item that is not an archive path");
    bodies.forEach((body, what) -> {
      var failure = failureOf(200, "text/html", body);

      assertThat(failure.getReason()).as(body).isEqualTo(FailureReason.KubeletError);
      assertThat(failure.getHttpStatus()).isEqualTo(200);
      assertThat(failure.getMessage()).as(body).startsWith("the kubelet on node worker-1 " + what)
          .contains("The kubelet may have written an archive on node worker-1").contains("not retried automatically")
          .endsWith("Body: " + (body.isEmpty() ? "(empty)" : body));
    });
  }

  @Test
  void anUnfinishedBodyNamesWhyReadingStopped() {
    String start = "{\"items\":[\"/var/lib/kubelet/checkpoints/" + "x".repeat(1000);
    var huge = failureOf(new KubeletAnswer(200, JSON, start, KubeletAnswer.Ending.OVER_LIMIT, 10 << 20, null));
    assertThat(huge.getReason()).isEqualTo(FailureReason.KubeletError);
    assertThat(huge.getMessage()).startsWith("the kubelet on node worker-1 (via the API server's node proxy)"
        + " answered 200 with a body over 64 KiB").contains("may have written an archive on node worker-1")
        .contains("Body starts: {\"items\":[\"/var/lib/kubelet/checkpoints/xxx").endsWith(" [...]")
        .hasSizeLessThan(800);

    var slow = failureOf(new KubeletAnswer(200, JSON, "{\"it", KubeletAnswer.Ending.TOO_SLOW, 4, null));
    assertThat(slow.getReason()).isEqualTo(FailureReason.KubeletError);
    assertThat(slow.getMessage()).contains("answered 200 but its body did not finish within 10 s (4 bytes arrived")
        .contains("may have written an archive on node worker-1");

    var reset = failureOf(new KubeletAnswer(200, JSON, "{\"it", KubeletAnswer.Ending.BROKEN, 4,
        "StreamResetException: stream was reset: INTERNAL_ERROR"));
    assertThat(reset.getReason()).isEqualTo(FailureReason.NodeUnreachable);
    assertThat(reset.getMessage()).contains("answered 200 but the connection was reset mid-answer after 4 body bytes"
        + " (StreamResetException: stream was reset: INTERNAL_ERROR)").contains("may have written an archive");

    var errorText = failureOf(new KubeletAnswer(500, TEXT, "x".repeat(KubeletAnswer.MAX_BODY_BYTES),
        KubeletAnswer.Ending.OVER_LIMIT, 10 << 20, null));
    assertThat(errorText.getReason()).isEqualTo(FailureReason.KubeletError);
    assertThat(errorText.getMessage()).contains("answered 500 with a body over 64 KiB")
        .doesNotContain("may have written an archive");
  }

  /** The fix (a chart value) is the operator's to name: the kubelet layer states who lacks what. */
  @Test
  void forbiddenByTheKubeletNamesTheIdentityAndReportsTheGap() {
    var outcome = (CheckpointOutcome.Failure) KubeletAnswerClassifier.classify(new KubeletAnswer(403, TEXT,
        "Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes, subresource(s)=[checkpoint])\n"),
        TARGET);

    assertThat(outcome.failure().getMessage())
        .contains("kube-apiserver-kubelet-client")
        .contains("nodes/checkpoint")
        .doesNotContain("kubeletClientBinding");
    assertThat(outcome.gap()).contains(new SetupGap(SetupGap.Kind.KUBELET_CLIENT_CANNOT_CHECKPOINT,
        "kube-apiserver-kubelet-client"));
  }

  @Test
  void forbiddenByTheApiServerNamesTheOperatorsMissingPermission() {
    var outcome = (CheckpointOutcome.Failure) KubeletAnswerClassifier.classify(new KubeletAnswer(403, JSON,
        status(403, "Forbidden", "nodes \"worker-1\" is forbidden: User \"system:serviceaccount:forensics:op\""
            + " cannot create resource \"nodes/proxy\" in API group \"\" at the cluster scope")), TARGET);

    assertThat(outcome.failure().getMessage()).contains("system:serviceaccount:forensics:op")
        .contains("needs create on nodes/proxy").doesNotContain("Helm");
    assertThat(outcome.gap()).contains(SetupGap.of(SetupGap.Kind.OPERATOR_CANNOT_PROXY));
  }

  @Test
  void aKubeletTextThatLooksLikeJsonButIsNoStatusIsTheKubelets() {
    var failure = failureOf(500, TEXT, "{\"not\":\"a status\"}");

    assertThat(failure.getReason()).isEqualTo(FailureReason.KubeletError);
    assertThat(failure.getMessage()).contains("kubelet on node worker-1 answered 500");
  }

  @Test
  void longTextsAreCutAndFlattened() {
    var failure = failureOf(500, TEXT, FAILED + "rpc error: code = Unknown desc = failed to checkpoint container"
        + " 3f1c9a: running \"/usr/bin/runc\" [" + "\"--arg\" ".repeat(2_000) + "] failed: criu failed: type NOTIFY"
        + " errno 0\nlog file: /var/lib/containers/dump.log: exit status 1)");

    assertThat(failure.getReason()).isEqualTo(FailureReason.CRIUFailed);
    assertThat(failure.getMessage()).hasSize(1024).doesNotContain("\n").contains(" [...] ")
        .startsWith("CRIU could not checkpoint shop/web-7d9f8/app")
        .endsWith("criu failed: type NOTIFY errno 0 log file: /var/lib/containers/dump.log: exit status 1)");
  }

  @Test
  void transportErrorsWithoutAnswer() {
    assertThat(errorOf(new CompletionException(new ConnectException("Connection refused"))).getReason())
        .isEqualTo(FailureReason.NodeUnreachable);
    assertThat(errorOf(new SocketTimeoutException("timeout")).getReason()).isEqualTo(FailureReason.Timeout);
    assertThat(errorOf(new java.util.concurrent.TimeoutException()).getReason()).isEqualTo(FailureReason.Timeout);
    assertThat(errorOf(new SSLHandshakeException("PKIX path building failed")).getReason())
        .isEqualTo(FailureReason.NodeUnreachable);
    assertThat(errorOf(new IllegalStateException("Connection was closed")).getReason())
        .isEqualTo(FailureReason.NodeUnreachable);
  }

  @Test
  void aStreamTheApiServerResetCameFromAKubeletAnswerThatBrokeOff() {
    var failure = errorOf(new CompletionException(new IOException("stream was reset: INTERNAL_ERROR")));

    assertThat(failure.getReason()).isEqualTo(FailureReason.NodeUnreachable);
    assertThat(failure.getMessage()).contains("while relaying the kubelet's answer (IOException: stream was reset:"
        + " INTERNAL_ERROR): the connection to the kubelet was reset mid-answer")
        .contains("may have written an archive on node worker-1");
    assertThat(errorOf(new IOException("stream was reset: CANCEL")).getMessage())
        .as("an API server that goes away says nothing about the kubelet's answer")
        .startsWith("the connection to the API server failed while proxying");
  }

  private static CheckpointFailure failureOf(int code, String type, String body) {
    return failureOf(new KubeletAnswer(code, type, body));
  }

  private static CheckpointFailure failureOf(KubeletAnswer answer) {
    CheckpointOutcome outcome = KubeletAnswerClassifier.classify(answer, TARGET);
    assertThat(outcome).isInstanceOf(CheckpointOutcome.Failure.class);
    assertThat(((CheckpointOutcome.Failure) outcome).notSent()).as("never sent again by itself").isFalse();
    return ((CheckpointOutcome.Failure) outcome).failure();
  }

  private static CheckpointFailure errorOf(Throwable error) {
    return ((CheckpointOutcome.Failure) KubeletAnswerClassifier.classifyError(error, TARGET)).failure();
  }
}
