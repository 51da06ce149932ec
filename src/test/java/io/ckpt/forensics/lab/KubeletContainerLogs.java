package io.ckpt.forensics.lab;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The kubelet's {@code GET /containerLogs/{ns}/{pod}/{container}}, which the API server calls for
 * {@code pods/log}: authentication, authorization ({@code nodes/proxy}, as the kubelet maps every
 * path it has no own subresource for), then the log a test wrote with
 * {@link SimulatedNode#appendContainerLog}, with {@code tailLines} applied first and
 * {@code limitBytes} then counted from the start of what remains, as the kubelet does. A container
 * nobody wrote to has an empty log. Only what the operator's fallback bundle reads (issue 12 §4):
 * no follow, previous, timestamps or sinceTime.
 */
final class KubeletContainerLogs {

  static final String PREFIX = "/containerLogs/";

  private final String nodeName;
  private final KubeletAuthenticator authenticator;
  private final KubeletAuthorizer authorizer;
  private final SimulatedPods pods;
  private final Consumer<String> log;
  private final Map<String, ByteArrayOutputStream> logs = new ConcurrentHashMap<>();

  KubeletContainerLogs(String nodeName, KubeletAuthenticator authenticator, KubeletAuthorizer authorizer,
      SimulatedPods pods, Consumer<String> log) {
    this.nodeName = nodeName;
    this.authenticator = authenticator;
    this.authorizer = authorizer;
    this.pods = pods;
    this.log = log;
  }

  static boolean handles(String path) {
    return path.startsWith(PREFIX);
  }

  void append(String namespace, String pod, String container, byte[] bytes) {
    ByteArrayOutputStream out = logs.computeIfAbsent(namespace + "/" + pod + "/" + container,
        k -> new ByteArrayOutputStream());
    synchronized (out) {
      out.writeBytes(bytes);
    }
  }

  KubeletHttpServer.Response handle(KubeletHttpServer.Request request) {
    KubeletUser user = authenticator.authenticate(request);
    if (user == null) {
      return KubeletHttpServer.Response.text(401, "Unauthorized");
    }
    String verb = KubeletAuthorizer.verb(request.method());
    KubeletHttpServer.Response refused = authorizer.refusal(user, verb, "proxy");
    if (refused != null) {
      return refused;
    }
    String[] segments = request.path().substring(PREFIX.length()).split("/", -1);
    if (segments.length != 3 || Arrays.stream(segments).anyMatch(String::isEmpty)) {
      return KubeletHttpServer.Response.text(404, "404 page not found");
    }
    if (!"GET".equals(request.method())) {
      return KubeletAnswers.methodNotAllowed();
    }
    if (pods.seen(segments[0], segments[1]) == null) {
      return KubeletHttpServer.Response.text(404, "pod \"" + segments[1] + "\" not found");
    }
    byte[] all;
    ByteArrayOutputStream out = logs.get(String.join("/", segments));
    if (out == null) {
      all = new byte[0];
    } else {
      synchronized (out) {
        all = out.toByteArray();
      }
    }
    byte[] body = limitBytes(tailLines(all, last(request.query().get("tailLines"))), last(request.query()
        .get("limitBytes")));
    log.accept("node " + nodeName + ": served " + body.length + " log bytes of " + String.join("/", segments));
    return new KubeletHttpServer.Response(KubeletHttpServer.Kind.NORMAL, 200,
        Map.of("Content-Type", "text/plain"), body);
  }

  private static Long last(List<String> values) {
    if (values == null || values.isEmpty()) {
      return null;
    }
    return Long.parseLong(values.get(values.size() - 1));
  }

  /** The last {@code lines} lines (a last line without newline counts). */
  static byte[] tailLines(byte[] log, Long lines) {
    if (lines == null || lines < 0) {
      return log;
    }
    int end = log.length;
    int from = end;
    long seen = 0;
    int i = end - 1;
    if (i >= 0 && log[i] == '\n') {
      i--; // the final newline ends the last line
    }
    for (; i >= 0; i--) {
      if (log[i] == '\n') {
        seen++;
        if (seen == lines) {
          break;
        }
      }
    }
    from = lines == 0 ? end : i + 1;
    return Arrays.copyOfRange(log, from, end);
  }

  static byte[] limitBytes(byte[] log, Long limit) {
    return limit == null || limit >= log.length ? log : Arrays.copyOf(log, (int) Math.max(0, limit));
  }
}
