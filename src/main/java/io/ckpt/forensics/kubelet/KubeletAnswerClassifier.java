package io.ckpt.forensics.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Maps every answer the kubelet and the API server's node proxy give to a checkpoint call onto a
 * {@link FailureReason}, keeping the server's own text. The texts are those of
 * docs/design/kubelet-answers.md (kubelet 1.30-1.37, CRI-O, containerd 1.6-2.4).
 */
public final class KubeletAnswerClassifier {

  /** Longest server text kept in status; CRIU errors can carry whole command lines. */
  public static final int MAX_MESSAGE_CHARS = 1024;

  /** How much of a malformed body a message quotes. */
  static final int SNIPPET_CHARS = 300;
  /** Longest archive path accepted from a kubelet: Linux's PATH_MAX. */
  static final int MAX_ARCHIVE_PATH_CHARS = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern KUBELET_FORBIDDEN_USER = Pattern.compile("^Forbidden \\(user=([^,]*),");
  private static final Pattern CHECKPOINT_FAILED =
      Pattern.compile("^checkpointing of [^ ]+ failed \\((.*)\\)$", Pattern.DOTALL);

  private KubeletAnswerClassifier() {
  }

  /**
   * A call made straight to the kubelet: where to, with which credential, trusting what. Direct
   * answers are always the kubelet's own, and refusals concern the operator's own identity.
   *
   * @param credentialSource where the bearer token came from (never the token)
   * @param trustSource what the kubelet's certificate was checked against
   */
  public record DirectCall(KubeletEndpoint endpoint, String credentialSource, String trustSource) {
  }

  /** Classifies the kubelet's answer to a direct call. */
  public static CheckpointOutcome classifyDirect(KubeletAnswer answer, CheckpointTarget target, DirectCall call) {
    String body = answer.body() == null ? "" : answer.body().strip();
    if (answer.ending() != KubeletAnswer.Ending.COMPLETE) {
      return unfinished(answer, "the kubelet at " + call.endpoint(), target);
    }
    if (answer.status() == 200) {
      return parseSuccess(body, answer.contentType(), target);
    }
    return fromKubelet(answer.status(), body, target, call);
  }

  /** Classifies a direct call that got no HTTP answer. */
  public static CheckpointOutcome classifyDirectError(Throwable error, CheckpointTarget target, DirectCall call) {
    Throwable cause = rootCause(error);
    String text = describe(cause);
    String at = "the kubelet at " + call.endpoint();
    if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException && !isConnectTimeout(cause)
        || cause instanceof InterruptedIOException && String.valueOf(cause.getMessage()).contains("timeout")
        && !isConnectTimeout(cause)) {
      return failure(FailureReason.Timeout, "no answer from " + at + " within " + target.kubeletDeadlineSeconds()
          + " s plus grace; the checkpoint may still complete on the node and leave an archive in its checkpoint"
          + " directory (" + text + ")", null);
    }
    NodeIdentityCheck.NotThisNode impostor = find(error, NodeIdentityCheck.NotThisNode.class);
    if (impostor != null) {
      return failure(SetupGap.of(SetupGap.Kind.CERTIFICATE_OF_ANOTHER_IDENTITY), FailureReason.NodeUnreachable, at
          + " presented a serving certificate that chains to " + call.trustSource() + " but is not node "
          + impostor.node() + "'s own: its subject is " + impostor.subject() + ", not CN=system:node:"
          + impostor.node() + ", O=" + NodeIdentityCheck.NODES_GROUP + " (the address may belong to, or have been"
          + " taken over by, another node). Nothing was sent", null);
    }
    SSLException tls = find(error, SSLException.class);
    if (tls != null) {
      if (find(error, CertPathBuilderException.class) != null || find(error, CertPathValidatorException.class) != null
          || find(error, CertificateException.class) != null || String.valueOf(tls.getMessage()).contains("PKIX")) {
        return failure(SetupGap.of(SetupGap.Kind.KUBELET_CA_NOT_TRUSTED), FailureReason.NodeUnreachable, at
            + " presented a serving certificate that is not signed by a CA in " + call.trustSource() + " ("
            + describe(tls) + "; " + text + "). Nothing was sent", null);
      }
      if (tls instanceof SSLPeerUnverifiedException) {
        return failure(SetupGap.of(SetupGap.Kind.ADDRESS_NOT_IN_CERTIFICATE), FailureReason.NodeUnreachable, at
            + " presented a certificate that does not name " + call.endpoint().host() + " (" + describe(tls)
            + "). Nothing was sent", null);
      }
      return failure(FailureReason.NodeUnreachable, "TLS with " + at + " failed (" + describe(tls) + "; " + text
          + "). Certificates are checked against " + call.trustSource(), null);
    }
    if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
        || cause instanceof UnknownHostException || isConnectTimeout(cause)) {
      CheckpointOutcome.Failure refused = failure(FailureReason.NodeUnreachable, "could not connect to " + at + ": "
          + text + ". Nothing was sent; check that the kubelet runs and that the operator's pod may reach port "
          + call.endpoint().port() + " of the node", null);
      return isConnectTimeout(cause) ? refused : CheckpointOutcome.Failure.notSent(refused.failure());
    }
    return failure(FailureReason.NodeUnreachable, "the connection to " + at + " failed during the checkpoint of "
        + target + ": " + text + ". The checkpoint may still complete and leave an archive in the node's"
        + " checkpoint directory", null);
  }

  /** OkHttp reports a connect timeout as a SocketTimeoutException whose message says "connect". */
  private static boolean isConnectTimeout(Throwable cause) {
    return cause instanceof SocketTimeoutException && String.valueOf(cause.getMessage()).startsWith("connect");
  }

  /** Classifies one HTTP answer for the given target. */
  public static CheckpointOutcome classify(KubeletAnswer answer, CheckpointTarget target) {
    int status = answer.status();
    String body = answer.body() == null ? "" : answer.body().strip();
    if (answer.ending() != KubeletAnswer.Ending.COMPLETE) {
      return unfinished(answer, "the kubelet on node " + target.node() + " (via the API server's node proxy)", target);
    }
    if (status == 200) {
      return parseSuccess(body, answer.contentType(), target);
    }
    JsonNode apiStatus = apiServerStatus(answer.contentType(), body);
    if (apiStatus != null) {
      return fromApiServer(status, apiStatus.path("message").asText(body), target);
    }
    return fromKubelet(status, body, target, null);
  }

  /** Classifies a call that got no HTTP answer at all. */
  public static CheckpointOutcome classifyError(Throwable error, CheckpointTarget target) {
    Throwable cause = rootCause(error);
    String text = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException
        || cause instanceof InterruptedIOException && String.valueOf(cause.getMessage()).contains("timeout")) {
      return failure(FailureReason.Timeout, "no answer from the kubelet on node " + target.node() + " within "
          + target.kubeletDeadlineSeconds() + " s plus grace; the checkpoint may still complete on the node and leave"
          + " an archive in its checkpoint directory (" + text + ")", null);
    }
    if (cause instanceof SSLException) {
      return failure(FailureReason.NodeUnreachable, "TLS with the API server failed: " + text
          + ". Check the operator's kubeconfig or in-cluster CA", null);
    }
    if (cause instanceof ConnectException || cause instanceof UnknownHostException
        || cause instanceof NoRouteToHostException) {
      // the API server itself could not be reached: the request was never sent
      return CheckpointOutcome.Failure.notSent(failure(FailureReason.NodeUnreachable, "the operator could not"
          + " connect to the API server to proxy the checkpoint of " + target + ": " + text + ". Nothing was sent",
          null).failure());
    }
    if (String.valueOf(cause.getMessage()).equals("stream was reset: INTERNAL_ERROR")) {
      // The API server answers 503 when the kubelet fails before its status line; it aborts the
      // stream (INTERNAL_ERROR) when copying an answer already under way fails, so the kubelet was
      // done. An API server that goes away ends its streams with CANCEL instead.
      return failure(FailureReason.NodeUnreachable, "the API server reset the stream of the checkpoint of " + target
          + " while relaying the kubelet's answer (" + text + "): the connection to the kubelet was reset"
          + " mid-answer" + mayHaveWritten(target), null);
    }
    // Anything else the HTTP stack throws means no answer arrived: the connection failed or broke.
    return failure(FailureReason.NodeUnreachable, "the connection to the API server failed while proxying the"
        + " checkpoint of " + target + ": " + text + ". If the request had reached the kubelet, the checkpoint may"
        + " still complete and leave an archive in the node's checkpoint directory", null);
  }

  private static CheckpointOutcome parseSuccess(String body, String contentType, CheckpointTarget target) {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException | RuntimeException notJson) {
      json = null;
    }
    String what;
    if (json == null || json.isMissingNode()) {
      what = "answered 200 but its body is not JSON (Content-Type " + (contentType == null ? "none" : contentType)
          + ")";
    } else {
      JsonNode items = json.path("items");
      boolean onePath = items.isArray() && items.size() == 1 && items.get(0).isTextual()
          && !items.get(0).asText().isBlank();
      if (onePath && isArchivePath(items.get(0).asText())) {
        return new CheckpointOutcome.Success(items.get(0).asText());
      }
      what = !items.isArray() ? "answered 200 without the list {\"items\":[...]}"
          : items.isEmpty() ? "answered 200 with no archive path ({\"items\":[]})"
          : items.size() > 1 ? "answered 200 with " + items.size() + " archive paths instead of one"
          : onePath ? "answered 200 with an archive path that is not absolute, printable and at most "
              + MAX_ARCHIVE_PATH_CHARS + " characters"
          : "answered 200 with an item that is not an archive path";
    }
    return failure(FailureReason.KubeletError, "the kubelet on node " + target.node() + " " + what
        + mayHaveWritten(target) + ". Body: " + snippet(body), 200);
  }

  /**
   * An answer whose body was not read to its end. Reading stopped for a reason the peer caused (too
   * long, too slow, connection broken), so the status line is all the operator can trust.
   */
  private static CheckpointOutcome unfinished(KubeletAnswer answer, String peer, CheckpointTarget target) {
    int status = answer.status();
    String archive = status == 200 ? mayHaveWritten(target) : "";
    String starts = ". Body starts: " + snippet(answer.body() == null ? "" : answer.body());
    return switch (answer.ending()) {
      case OVER_LIMIT -> failure(FailureReason.KubeletError, peer + " answered " + status + " with a body over "
          + KubeletAnswer.MAX_BODY_BYTES / 1024 + " KiB (a real answer is one archive path or one line of text);"
          + " the operator stopped reading it" + archive + starts, status);
      case TOO_SLOW -> failure(FailureReason.KubeletError, peer + " answered " + status + " but its body did not"
          + " finish within " + KubeletAnswer.BODY_DEADLINE.toSeconds() + " s (" + answer.bytesRead() + " bytes"
          + " arrived; a real answer arrives at once); the operator stopped reading it" + archive + starts, status);
      case BROKEN -> failure(FailureReason.NodeUnreachable, peer + " answered " + status + " but the connection"
          + " was reset mid-answer after " + answer.bytesRead() + " body bytes (" + answer.error() + ")" + archive,
          status);
      case COMPLETE -> throw new IllegalArgumentException("a complete answer is classified by its body");
    };
  }

  /**
   * After a 200 the kubelet has run the checkpoint, whatever became of its answer. Sending it again
   * would freeze the container a second time, so this says where the evidence may be instead.
   */
  private static String mayHaveWritten(CheckpointTarget target) {
    return ". The kubelet may have written an archive on node " + target.node() + " (look in its checkpoint"
        + " directory, evidence may exist there); not retried automatically, as each checkpoint freezes the"
        + " container";
  }

  /** The start of a body for a message: enough to recognise it, never the whole of a huge one. */
  private static String snippet(String body) {
    String flat = body.replaceAll("\\s+", " ").strip();
    return flat.isEmpty() ? "(empty)"
        : flat.length() <= SNIPPET_CHARS ? flat : flat.substring(0, SNIPPET_CHARS) + " [...]";
  }

  /**
   * The path goes into status, Events and logs, and a node that may be compromised wrote it: only an
   * absolute, bounded path of printable characters is taken as the archive's location.
   */
  static boolean isArchivePath(String path) {
    return path.startsWith("/") && path.length() <= MAX_ARCHIVE_PATH_CHARS
        && path.codePoints().noneMatch(KubeletAnswerClassifier::isUnprintable);
  }

  /** Control characters (C0, DEL, C1) and bidirectional overrides, which can forge or reorder what a reader sees. */
  private static boolean isUnprintable(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
        || c == 0x200e || c == 0x200f || c == 0x061c;
  }

  /** Peer text quoted into status shows such characters as {@code \\uXXXX}, never raw. */
  private static String escapeUnprintable(String text) {
    if (text.codePoints().noneMatch(KubeletAnswerClassifier::isUnprintable)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    text.codePoints().forEach(c -> {
      if (isUnprintable(c)) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  /** The API server's own errors are metav1.Status JSON; relayed kubelet answers never are. */
  private static JsonNode apiServerStatus(String contentType, String body) {
    if (!body.startsWith("{") || contentType != null && !contentType.contains("json")) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(body);
      return "Status".equals(node.path("kind").asText()) ? node : null;
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  private static CheckpointOutcome fromApiServer(int status, String message, CheckpointTarget target) {
    return switch (status) {
      case 401 -> failure(FailureReason.Forbidden, "the API server did not authenticate the operator (401 "
          + message + "): its ServiceAccount token is missing, expired or revoked; restart the operator pod or"
          + " check its service account", status);
      case 403 -> failure(SetupGap.of(SetupGap.Kind.OPERATOR_CANNOT_PROXY), FailureReason.Forbidden,
          "the API server refused the operator's identity: " + message + ". The operator needs create on"
          + " nodes/proxy", status);
      case 404 -> failure(FailureReason.NodeUnreachable, "the API server cannot proxy to node " + target.node()
          + ": " + message + " (the node object is gone)", status);
      case 502, 503 -> {
        CheckpointOutcome.Failure unreachable = failure(FailureReason.NodeUnreachable, "the API server could not"
            + " reach the kubelet on node " + target.node() + ": " + message + tlsHint(message), status);
        yield couldNotDial(message) ? CheckpointOutcome.Failure.notSent(unreachable.failure()) : unreachable;
      }
      case 400, 500, 504 -> failure(FailureReason.NodeUnreachable, "the API server could not reach the"
          + " kubelet on node " + target.node() + ": " + message + tlsHint(message), status);
      default -> failure(FailureReason.KubeletError, "the API server answered " + status + " for " + target
          + ": " + message, status);
    };
  }

  /**
   * The API server's transport failed to open a connection to the kubelet, so the request never
   * left the API server. A dial that timed out is excluded: timeouts are never retried.
   */
  static boolean couldNotDial(String message) {
    return message.startsWith("error trying to reach service: dial ") && !message.contains("i/o timeout")
        && !message.contains("timeout");
  }

  private static String tlsHint(String message) {
    return message.contains("x509") || message.contains("tls:")
        ? ". The API server does not trust the kubelet's serving certificate (check --kubelet-certificate-authority)"
        : "";
  }

  /** A kubelet's own answer; {@code direct} is null when it came through the API server's proxy. */
  private static CheckpointOutcome fromKubelet(int status, String body, CheckpointTarget target, DirectCall direct) {
    String node = target.node();
    if (status == 404) {
      if (body.equals("404 page not found")) {
        return failure(FailureReason.CheckpointingDisabled, "the kubelet on node " + node + " has no checkpoint"
            + " endpoint (404 page not found): enable the ContainerCheckpoint feature gate (beta, on by default"
            + " since Kubernetes 1.30) and keep enableDebuggingHandlers true in the kubelet configuration", status);
      }
      if (body.equals("pod does not exist")) {
        return failure(FailureReason.PodNotFound, "the kubelet on node " + node + " does not know pod "
            + target.namespace() + "/" + target.pod() + " (kubelet: pod does not exist)", status);
      }
      if (body.startsWith("container ") && body.endsWith(" does not exist")) {
        return failure(FailureReason.ContainerNotFound, "the kubelet on node " + node + " says: " + body, status);
      }
    }
    if (status == 401 && direct != null) {
      return failure(FailureReason.Forbidden, "the kubelet on node " + node + " did not authenticate the operator"
          + " (401 " + body + "): the bearer token from " + direct.credentialSource() + " was not accepted. It is"
          + " missing, expired or revoked, or the kubelet does not authenticate bearer tokens (its"
          + " authentication.webhook.enabled must be true)", status);
    }
    if (status == 403 && direct != null) {
      Matcher user = KUBELET_FORBIDDEN_USER.matcher(body);
      String who = user.find() ? user.group(1) : "the operator's service account";
      return failure(SetupGap.of(SetupGap.Kind.OPERATOR_CANNOT_CHECKPOINT), FailureReason.Forbidden,
          "the kubelet on node " + node + " refused the operator's identity " + who + ": it lacks create on"
          + " nodes/checkpoint (" + body + "). The direct transport needs create on nodes/checkpoint for the"
          + " identity whose token it sends, from " + direct.credentialSource(), status);
    }
    if (status == 401) {
      return failure(FailureReason.Forbidden, "the kubelet on node " + node + " did not authenticate the API"
          + " server's kubelet client (401 " + body + "): check the API server's --kubelet-client-certificate"
          + " and the kubelet's client CA", status);
    }
    if (status == 403) {
      Matcher user = KUBELET_FORBIDDEN_USER.matcher(body);
      String who = user.find() ? user.group(1) : "the API server's kubelet-client identity";
      return failure(new SetupGap(SetupGap.Kind.KUBELET_CLIENT_CANNOT_CHECKPOINT, who), FailureReason.Forbidden,
          "the kubelet on node " + node + " refused " + who + ": it lacks create on nodes/checkpoint (" + body
          + "). Through the node proxy the kubelet authorizes the API server's kubelet client, not the operator",
          status);
    }
    if (status == 500) {
      Matcher failed = CHECKPOINT_FAILED.matcher(body);
      if (failed.find()) {
        return fromRuntime(failed.group(1), body, target);
      }
    }
    if (status == 502 || status == 503 || status == 504) {
      return failure(FailureReason.NodeUnreachable, "the kubelet on node " + node + " could not be reached: "
          + body, status);
    }
    return failure(FailureReason.KubeletError, "the kubelet on node " + node + " answered " + status + ": "
        + body, status);
  }

  /** The runtime's error inside the kubelet's "checkpointing of ns/pod/c failed (...)". */
  private static CheckpointOutcome fromRuntime(String inner, String body, CheckpointTarget target) {
    String lower = inner.toLowerCase(Locale.ROOT);
    String container = target.container();
    if (lower.contains("code = unimplemented") || lower.contains("method checkpointcontainer not implemented")
        || lower.contains("unknown method checkpointcontainer")
        || lower.contains("configured runtime does not support checkpoint/restore")) {
      return failure(FailureReason.RuntimeUnsupported, "the container runtime on node " + target.node()
          + " cannot checkpoint: use CRI-O 1.25+ or containerd 2.0+ with CRIU installed, and an OCI runtime"
          + " with checkpoint support (runc or crun). Kubelet: " + body, 500);
    }
    if (lower.contains("code = deadlineexceeded") || lower.contains("context deadline exceeded")
        || lower.contains("code = canceled")) {
      return failure(FailureReason.Timeout, "the checkpoint of " + target + " ran out of time (kubelet"
          + " deadline " + target.kubeletDeadlineSeconds() + " s); raise spec.timeoutSeconds for large"
          + " containers. Kubelet: " + body, 500);
    }
    if (inner.equals("container " + container + " not found") || lower.contains("is not running")
        || lower.contains("only container_running containers can be checkpointed")
        || lower.contains("code = notfound")) {
      return failure(FailureReason.ContainerNotRunning, "container " + container + " stopped before it could"
          + " be checkpointed. Kubelet: " + body, 500);
    }
    if (lower.contains("criu") || lower.contains("checkpoint/restore support not available")) {
      return failure(FailureReason.CRIUFailed, "CRIU could not checkpoint " + target + "; see dump.log in the"
          + " container's runtime directory on the node. Kubelet: " + body, 500);
    }
    return failure(FailureReason.KubeletError, "the runtime on node " + target.node() + " failed: " + body, 500);
  }

  private static CheckpointOutcome.Failure failure(FailureReason reason, String message, Integer status) {
    return new CheckpointOutcome.Failure(new CheckpointFailure(reason, trim(message), status));
  }

  private static CheckpointOutcome.Failure failure(SetupGap gap, FailureReason reason, String message,
      Integer status) {
    return CheckpointOutcome.Failure.dueTo(gap, new CheckpointFailure(reason, trim(message), status));
  }

  /**
   * One line, printable, bounded: the text goes into status and events. Runtime errors put the
   * cause last (after long command lines), so a long text keeps its head and its tail. Whitespace
   * folds to single spaces; other control characters and bidirectional overrides are shown escaped.
   */
  static String trim(String text) {
    String flat = escapeUnprintable(text.replaceAll("\\s+", " ").strip());
    if (flat.length() <= MAX_MESSAGE_CHARS) {
      return flat;
    }
    String gap = " [...] ";
    int head = (MAX_MESSAGE_CHARS - gap.length()) * 2 / 5;
    int tail = MAX_MESSAGE_CHARS - gap.length() - head;
    return flat.substring(0, head) + gap + flat.substring(flat.length() - tail);
  }

  /** The innermost cause of {@code error}, as "Type: message". */
  static String describeCause(Throwable error) {
    return describe(rootCause(error));
  }

  private static String describe(Throwable cause) {
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  private static <T extends Throwable> T find(Throwable error, Class<T> type) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static Throwable rootCause(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }
}
