package io.ckpt.forensics.lab;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * The kubelet's {@code /checkpoint/{ns}/{pod}/{container}} endpoint, in the real kubelet's order:
 * route, authentication, authorization, go-restful routing and content negotiation, the checkpoint
 * handler's checks, then the runtime's dump with the faults the test asked for. Every request to
 * the path is recorded in the {@link CheckpointLedger}.
 */
final class KubeletCheckpointApi {

  private final String nodeName;
  private final FaultPlan faults;
  private final KubeletAuthenticator authenticator;
  private final KubeletAuthorizer authorizer;
  private final SimulatedPods pods;
  private final NodeArchiveStore archives;
  private final CheckpointLedger ledger;
  private final Consumer<String> log;

  KubeletCheckpointApi(String nodeName, FaultPlan faults, KubeletAuthenticator authenticator,
      KubeletAuthorizer authorizer, SimulatedPods pods, NodeArchiveStore archives, CheckpointLedger ledger,
      Consumer<String> log) {
    this.nodeName = nodeName;
    this.faults = faults;
    this.authenticator = authenticator;
    this.authorizer = authorizer;
    this.pods = pods;
    this.archives = archives;
    this.ledger = ledger;
    this.log = log;
  }

  /** What the authenticated caller and the written archive were, filled in while handling. */
  private static final class Outcome {
    String user = "";
    final List<String> groups = new ArrayList<>();
    String archive;
  }

  KubeletHttpServer.Response handle(KubeletHttpServer.Request request) {
    Instant start = Instant.now();
    Outcome outcome = new Outcome();
    KubeletHttpServer.Response response;
    try {
      response = dispatch(request, outcome);
    } catch (RuntimeException e) {
      log.accept("node " + nodeName + ": error handling " + request.target() + ": " + e);
      response = KubeletHttpServer.Response.text(500, "Internal Server Error");
    }
    if (isCheckpointPath(request.path())) {
      boolean answered = response.kind() == KubeletHttpServer.Kind.NORMAL;
      ledger.record(new CheckpointCall(start, Instant.now(), request.method(), request.target(), outcome.user,
          List.copyOf(outcome.groups), answered ? response.status() : 0,
          answered ? recorded(response.body()) : response.kind().name(), outcome.archive));
    }
    return response;
  }

  private static boolean isCheckpointPath(String path) {
    return path.equals("/checkpoint") || path.startsWith("/checkpoint/");
  }

  /** A body as kept in the ledger: whole unless huge ({@link KubeletFault#HUGE_BODY}). */
  private static String recorded(byte[] body) {
    int keep = Math.min(body.length, 4096);
    String text = new String(body, 0, keep, StandardCharsets.UTF_8);
    return keep == body.length ? text : text.strip() + " [... " + body.length + " bytes]";
  }

  private KubeletHttpServer.Response dispatch(KubeletHttpServer.Request request, Outcome outcome) {
    String path = request.path();
    if (!faults.checkpointGate() || !isCheckpointPath(path)) {
      return KubeletAnswers.routeNotFound();
    }
    // authentication [K4]
    KubeletUser user = authenticator.authenticate(request);
    if (user == null) {
      return KubeletHttpServer.Response.text(401, "Unauthorized");
    }
    outcome.user = user.name();
    outcome.groups.addAll(user.groups());
    // authorization [K5, K7]: nodes/checkpoint, verb from the method
    String verb = KubeletAuthorizer.verb(request.method());
    KubeletHttpServer.Response refused = authorizer.refusal(user, verb, "checkpoint");
    if (refused != null) {
      return refused;
    }
    // go-restful routing [K18-K21]
    String rest = path.substring("/checkpoint".length());
    String trimmed = rest.replaceAll("^/+", "").replaceAll("/+$", "");
    String[] segments = trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    boolean shapeOk = segments.length == 3;
    for (String s : segments) {
      shapeOk &= !s.isEmpty();
    }
    if (!shapeOk) {
      return KubeletHttpServer.Response.text(404, "404: Page Not Found");
    }
    if (!"POST".equals(request.method())) {
      return KubeletAnswers.methodNotAllowed();
    }
    String accept = request.header("accept");
    // 406 with or without a body: the route declares no Consumes, so go-restful (v3.13.0, Kubernetes
    // 1.37) never answers 415 here; measured against the real kubelet in KubeletDifferentialIT
    if (accept != null && !accept.isEmpty() && !acceptsJson(accept)) {
      return KubeletHttpServer.Response.text(406, "406: Not Acceptable\n\nAvailable representations: application/json");
    }
    return checkpoint(segments[0], segments[1], segments[2], request.query().get("timeout"), outcome);
  }

  private static boolean acceptsJson(String accept) {
    for (String part : accept.split(",")) {
      String type = part.split(";")[0].trim();
      if (type.equals("*/*") || type.equals("application/json")) {
        return true;
      }
    }
    return false;
  }

  /** The kubelet's checkpoint handler and CheckpointContainer, in their order [K8-K17]. */
  private KubeletHttpServer.Response checkpoint(String namespace, String podName, String container,
      List<String> timeoutValues, Outcome outcome) {
    Pod pod = pods.seen(namespace, podName);
    if (pod == null) {
      return KubeletHttpServer.Response.text(404, "pod does not exist");
    }
    if (!inSpec(pod, container)) {
      return KubeletHttpServer.Response.text(404, "container " + container + " does not exist");
    }
    Long timeout = null;
    if (timeoutValues != null && !timeoutValues.isEmpty()) {
      String value = timeoutValues.get(timeoutValues.size() - 1);
      try {
        timeout = Long.parseLong(value);
      } catch (NumberFormatException e) {
        return KubeletHttpServer.Response.text(404, "cannot parse value of timeout parameter");
      }
    }
    String prefix = "checkpointing of " + namespace + "/" + podName + "/" + container + " failed (";
    NodeArchiveStore.Location location = archives.locate(namespace, podName, container);
    Optional<String> containerId = pods.runningContainerId(pod, container);
    if (containerId.isEmpty()) {
      return KubeletHttpServer.Response.text(500, prefix + "container " + container + " not found)");
    }
    if (timeout != null && timeout < 0) {
      return KubeletHttpServer.Response.text(500, prefix + "CheckpointContainer requires the timeout value to be > 0)");
    }
    try (CheckpointLedger.Dump dump = ledger.begin(namespace + "/" + podName + "/" + container)) {
      KubeletFault fault = faults.next(container);
      if (fault == KubeletFault.HANG) {
        return KubeletHttpServer.Response.of(KubeletHttpServer.Kind.HANG);
      }
      if (fault == KubeletFault.RESET_BEFORE_RESPONSE) {
        return KubeletHttpServer.Response.of(KubeletHttpServer.Kind.RESET_BEFORE_RESPONSE);
      }
      if (fault == KubeletFault.RUNTIME_UNSUPPORTED) {
        return KubeletAnswers.runtimeUnsupported(prefix);
      }
      dumpTakes(faults.latency());
      KubeletHttpServer.Response failure = fault == null ? null
          : KubeletAnswers.runtimeFailure(fault, prefix, containerId.get(), location.reportedPath());
      if (failure != null) {
        return failure;
      }
      archives.write(location);
      outcome.archive = location.reportedPath();
      return KubeletAnswers.checkpointed(location.reportedPath(), fault);
    }
  }

  private static boolean inSpec(Pod pod, String container) {
    return pod.getSpec().getContainers().stream().anyMatch(c -> c.getName().equals(container))
        || pod.getSpec().getInitContainers() != null
        && pod.getSpec().getInitContainers().stream().anyMatch(c -> c.getName().equals(container))
        || pod.getSpec().getEphemeralContainers() != null
        && pod.getSpec().getEphemeralContainers().stream().anyMatch(c -> c.getName().equals(container));
  }

  /** The simulated CRIU dump's duration: this sleep is the behaviour (a slow runtime), not a wait. */
  private static void dumpTakes(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
