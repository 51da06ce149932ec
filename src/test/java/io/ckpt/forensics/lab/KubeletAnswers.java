package io.ckpt.forensics.lab;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * What the real kubelet (1.32+, with CRI-O or containerd) answers on /checkpoint, byte for byte:
 * docs/design/kubelet-answers.md, section numbers in brackets.
 */
final class KubeletAnswers {

  /** Size of the {@link KubeletFault#HUGE_BODY} answer. */
  static final int HUGE_BODY_BYTES = 10 << 20;

  private static final DateTimeFormatter RFC3339_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

  private KubeletAnswers() {
  }

  /** The route is not registered (feature gate off, or another path): Go's http.NotFound, before authentication. */
  static KubeletHttpServer.Response routeNotFound() {
    return new KubeletHttpServer.Response(KubeletHttpServer.Kind.NORMAL, 404,
        Map.of("Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff"),
        "404 page not found\n".getBytes(StandardCharsets.UTF_8));
  }

  static KubeletHttpServer.Response methodNotAllowed() {
    return new KubeletHttpServer.Response(KubeletHttpServer.Kind.NORMAL, 405,
        Map.of("Content-Type", "text/plain; charset=utf-8", "Allow", "POST"),
        "405: Method Not Allowed".getBytes(StandardCharsets.UTF_8));
  }

  /** containerd 1.6/1.7 [K14]: the runtime has no CheckpointContainer. */
  static KubeletHttpServer.Response runtimeUnsupported(String prefix) {
    return KubeletHttpServer.Response.text(500,
        prefix + "rpc error: code = Unimplemented desc = " + NOT_IMPLEMENTED + ")");
  }

  /**
   * The runtime's error for {@code fault} after the dump started, wrapped by the kubelet's
   * {@code prefix}; null when {@code fault} is not a runtime failure.
   */
  static KubeletHttpServer.Response runtimeFailure(KubeletFault fault, String prefix, String containerId,
      String location) {
    String detail = switch (fault) {
      case DEADLINE_EXCEEDED -> "rpc error: code = DeadlineExceeded desc = context deadline exceeded";
      case CRIU_FAILURE -> "rpc error: code = Unknown desc = " + crioCriuFailure(containerId);
      case DISK_FULL -> "rpc error: code = Unknown desc = " + crioDiskFull(containerId, location);
      case CRIU_FAILURE_CONTAINERD -> "rpc error: code = Unknown desc = " + containerdCriuFailure(containerId);
      default -> null;
    };
    return detail == null ? null : KubeletHttpServer.Response.text(500, prefix + detail + ")");
  }

  /** The 200 for an archive written at {@code location} [K1], as {@code fault} (null: none) mangles it on its way out. */
  static KubeletHttpServer.Response checkpointed(String location, KubeletFault fault) {
    String items = "{\"items\":[" + goJsonString(location) + "]}";
    Map<String, String> json = Map.of("Content-Type", "application/json");
    KubeletHttpServer.Kind kind = KubeletHttpServer.Kind.NORMAL;
    String body = items;
    if (fault == KubeletFault.RESET_MID_RESPONSE) {
      kind = KubeletHttpServer.Kind.RESET_MID_RESPONSE;
    } else if (fault == KubeletFault.SLOW_DRIP) {
      kind = KubeletHttpServer.Kind.SLOW_DRIP;
    } else if (fault == KubeletFault.HUGE_BODY) {
      body = items + " ".repeat(HUGE_BODY_BYTES - items.length());
    } else if (fault == KubeletFault.NOT_JSON) {
      return new KubeletHttpServer.Response(kind, 200, Map.of("Content-Type", "text/html; charset=utf-8"),
          "<html><head><title>Checkpoint</title></head><body>Checkpoint done.</body></html>"
              .getBytes(StandardCharsets.UTF_8));
    } else if (fault == KubeletFault.NO_ITEMS) {
      body = "{\"items\":[]}";
    } else if (fault == KubeletFault.SEVERAL_ITEMS) {
      body = "{\"items\":[" + goJsonString(location) + "," + goJsonString(location.replace(".tar", "-1.tar")) + "]}";
    }
    return new KubeletHttpServer.Response(kind, 200, json, body.getBytes(StandardCharsets.UTF_8));
  }

  /** CRI-O [C9]: the archive cannot be written at the kubelet's location. */
  static String crioDiskFull(String containerId, String location) {
    return "failed to write file system changes of container " + containerId
        + ": error creating checkpoint export file \"" + location + "\": open " + location + ": no space left on device";
  }

  /** containerd 1.6/1.7 [K14, D1]. */
  static final String NOT_IMPLEMENTED = "method CheckpointContainer not implemented";

  /** CRI-O [C8] with runc's logrus line [5a]. */
  static String crioCriuFailure(String id) {
    String userdata = "/var/lib/containers/storage/overlay-containers/" + id + "/userdata";
    String bundle = "/run/containers/storage/overlay-containers/" + id + "/userdata";
    List<String> args = List.of("checkpoint", "--file-locks", "--image-path", bundle + "/checkpoint",
        "--work-path", userdata, "--leave-running", id);
    StringBuilder quoted = new StringBuilder("[");
    for (int i = 0; i < args.size(); i++) {
      quoted.append(i == 0 ? "" : " ").append('"').append(args.get(i)).append('"');
    }
    quoted.append(']');
    String commandLine = "/usr/bin/runc --root /run/runc --systemd-cgroup " + String.join(" ", args);
    String stderr = "time=\"" + ZonedDateTime.now(ZoneOffset.UTC).format(RFC3339_SECONDS)
        + "\" level=error msg=\"criu failed: type NOTIFY errno 0\\nlog file: " + userdata + "/dump.log\"\n";
    return "failed to checkpoint container " + id + ": running \"/usr/bin/runc\" " + quoted + " failed: `"
        + commandLine + "` failed: " + stderr + " : exit status 1";
  }

  /** containerd 2.x, CRIU dump failure in the runc shim [D8]. */
  static String containerdCriuFailure(String id) {
    String bundle = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + id;
    return "checkpointing container \"" + id + "\" failed: runc did not terminate successfully: exit status 1: time=\""
        + ZonedDateTime.now(ZoneOffset.UTC).format(RFC3339_SECONDS)
        + "\" level=error msg=\"criu failed: type NOTIFY errno 0\\nlog file: " + bundle + "/criu-dump.log\" path= "
        + bundle + "/criu-dump.log: unknown";
  }

  /** A JSON string as Go's encoding/json writes it (HTML characters escaped). */
  static String goJsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<', '>', '&' -> b.append(String.format("\\u%04x", (int) ch));
        default -> {
          if (ch < 0x20) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
