package io.ckpt.forensics.plugin;

import io.ckpt.forensics.analysis.UnsafeCharacters;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Turns an API server's refusal into what the user does about it. A 403 names the right that is
 * missing (verb, resource and API group, namespace) and who usually grants it, because kubectl's own
 * "is forbidden" text names the user but not what to ask an admin for in words an RBAC rule uses.
 */
final class ApiRefusal {

  /** A resource as RBAC names it, with where a user usually gets each right to it. */
  record Resource(String plural, String group, String createHint, String readHint) {

    String qualified() {
      return group.isEmpty() ? plural : plural + "." + group;
    }

    String hint(String verb) {
      return switch (verb) {
        case "get", "list", "watch" -> readHint;
        default -> createHint;
      };
    }
  }

  static final Resource FORENSIC_CHECKPOINTS = new Resource("forensiccheckpoints", "forensics.ckpt.io",
      "with the chart: a RoleBinding in that namespace to the ClusterRole forensic-checkpoint-operator-responder"
          + " (create, get, list, watch; responderRole.enabled=true), or the namespace's admin role",
      "with the chart: the namespace's view, edit or admin role (its aggregated forensic-checkpoint-operator-view"
          + " rules)");

  static final Resource CHECKPOINT_RESTORES = new Resource("checkpointrestores", "forensics.ckpt.io",
      "with the chart: the namespace's admin role (its aggregated forensic-checkpoint-operator-admin rules);"
          + " restoring runs a captured workload again, so the responder role does not grant it",
      "with the chart: the namespace's view, edit or admin role (its aggregated forensic-checkpoint-operator-view"
          + " rules)");

  private ApiRefusal() {}

  /**
   * The error for a failed request to {@code verb} {@code resource} (named {@code name}, or all of
   * them when null) in {@code namespace}.
   */
  static PluginError of(KubernetesClientException e, String verb, Resource resource, String namespace, String name) {
    String what = resource.qualified() + (name == null ? "" : " \"" + name + "\"");
    String server = serverSays(e);
    if (e.getCode() <= 0) { // no HTTP answer at all (Fabric8 says -1 or 0): connection refused, TLS, DNS
      return new PluginError(PluginExitCode.UNREACHABLE, "cannot reach the API server to " + verb + " " + what
          + ": " + cause(e), e);
    }
    return switch (e.getCode()) {
      case 403 -> new PluginError(PluginExitCode.FORBIDDEN, "cannot " + verb + " " + what + " in namespace " + namespace
          + ": ask for the right to " + verb + " " + resource.plural() + " (API group "
          + (resource.group().isEmpty() ? "\"\", the core group" : resource.group()) + ") in namespace " + namespace
          + ", " + resource.hint(verb) + server, e);
      case 401 -> new PluginError(PluginExitCode.FORBIDDEN, "the API server did not accept your credentials (HTTP 401)"
          + " when asked to " + verb + " " + what + ": log in again, or check the user of your kubeconfig's context"
          + server, e);
      case 404 -> name == null || isMissingApi(e)
          ? new PluginError(PluginExitCode.NOT_FOUND, "the cluster serves no " + resource.qualified() + " API: the"
              + " ForensicCheckpoint operator's CRDs are not installed there (helm install, or kubectl apply -k deploy/)"
              + server, e)
          : new PluginError(PluginExitCode.NOT_FOUND, what + " not found in namespace " + namespace, e);
      case 409 -> new PluginError(PluginExitCode.USAGE, what + " already exists in namespace " + namespace
          + ": choose another --name" + server, e);
      case 400, 422 -> new PluginError(PluginExitCode.USAGE, "the API server refused to " + verb + " " + what
          + server, e);
      default -> new PluginError(PluginExitCode.UNREACHABLE, "the API server failed to " + verb + " " + what
          + " (HTTP " + e.getCode() + ")" + server, e);
    };
  }

  /** A 404 for the resource type itself (no such CRD) rather than for an object of it. */
  private static boolean isMissingApi(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getDetails() == null
        && String.valueOf(e.getStatus().getMessage()).contains("the server could not find the requested resource");
  }

  private static String serverSays(KubernetesClientException e) {
    String message = e.getStatus() == null ? null : e.getStatus().getMessage();
    return message == null || message.isBlank() ? "" : " (API server: " + UnsafeCharacters.escape(message.strip()) + ")";
  }

  private static String cause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // the innermost cause says what went wrong (Connection refused, a certificate error), the outer ones
    // only that a request failed
    return UnsafeCharacters.escape(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
  }
}
