package io.ckpt.forensics.operator;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a node's container runtime can restore a checkpoint image into a pod, decided before any pod
 * exists (issue 16 section 2), from what the Node's status says ({@code nodeInfo.containerRuntimeVersion})
 * and what the administrator configured ({@link RestoreConfig#nodes()}). Pure: no API calls.
 *
 * <p>The version tells only what the runtime could do; whether it does is in its configuration, which no
 * Kubernetes API shows, and neither runtime restores by default today. CRI-O restores from 1.25 when its
 * checkpoint/restore support allows it, but 1.34 (and the 1.30-1.33 patch releases of September 2026)
 * default to checkpoint only ({@code [crio.checkpoint_restore] container_level_enabled}). containerd restores
 * through the CRI from 2.0, and the 2.2 and 2.3 patch releases of August 2026 turned that off by default
 * ({@code enable_experimental_restore_via_create}) after advisories such as GHSA-33vj-92qq-66hc; restore in
 * CreateContainer is deprecated for removal in 2.4. So a node is used only when listed, by name or by
 * {@code *} (then only if its runtime version can restore), and a refusal says what to change on the node.
 */
final class RestoreCapability {

  static final String RUNTIME_CANNOT_RESTORE = "RuntimeCannotRestore";
  static final String RESTORE_NOT_ENABLED = "RestoreNotEnabled";

  /** scheme://[v]major.minor..., as the kubelet reports it: cri-o://1.34.2, containerd://2.1.0. */
  private static final Pattern VERSION = Pattern.compile("^([a-z0-9.-]+)://v?(\\d+)\\.(\\d+)");

  /**
   * The outcome for one node.
   *
   * @param allowed the sandbox pod may be created there
   * @param reason when refused: {@link #RUNTIME_CANNOT_RESTORE} or {@link #RESTORE_NOT_ENABLED}
   * @param runtime what status.runtime says: the runtime as reported, and why it was accepted
   * @param message when refused: why, and how to enable restore on the node
   */
  record Verdict(boolean allowed, String reason, String runtime, String message) {
  }

  /** Whether this runtime version can restore at all, and if not, why. */
  private record Capability(boolean can, String why, String howToEnable) {
  }

  private RestoreCapability() {
  }

  static Verdict of(String node, String runtimeVersion, RestoreConfig config) {
    String reported = runtimeVersion == null || runtimeVersion.isBlank() ? "unknown" : runtimeVersion.strip();
    Capability capability = capability(reported);
    if (config.listed(node)) {
      return new Verdict(true, null, reported + (capability.can() ? "" : " (not a runtime version known to restore)")
          + "; restore enabled on this node per " + RestoreConfig.NODES, null);
    }
    if (!capability.can()) {
      return new Verdict(false, RUNTIME_CANNOT_RESTORE, reported, "node " + node + " runs " + reported + ": "
          + capability.why() + ". Choose a node whose runtime can restore, or if this one does (a build of its"
          + " own), list it in the operator's restore.nodes (" + RestoreConfig.NODES + ")");
    }
    if (config.allNodes()) {
      return new Verdict(true, null, reported + "; restore enabled on every capable node per " + RestoreConfig.NODES
          + "=*", null);
    }
    return new Verdict(false, RESTORE_NOT_ENABLED, reported, "node " + node + " runs " + reported
        + ", which can restore checkpoints but does not by default, and the operator cannot see the runtime's"
        + " configuration. " + capability.howToEnable() + ", then list the node in the operator's restore.nodes ("
        + RestoreConfig.NODES + "); or choose a node listed there");
  }

  private static Capability capability(String reported) {
    Matcher m = VERSION.matcher(reported);
    if (!m.find()) {
      return new Capability(false, "not a runtime and version the operator knows; CRI-O 1.25 or later and"
          + " containerd 2.0 to 2.3 restore checkpoints into pods", null);
    }
    String runtime = m.group(1);
    int major = Integer.parseInt(m.group(2));
    int minor = Integer.parseInt(m.group(3));
    if (runtime.equals("cri-o")) {
      if (major < 1 || (major == 1 && minor < 25)) {
        return new Capability(false, "CRI-O restores checkpoints from version 1.25 on", null);
      }
      return new Capability(true, null, "On the node, install CRIU and set container_level_enabled ="
          + " \"checkpoint_restore\" in the [crio.checkpoint_restore] table of crio.conf (CRI-O 1.34 defaults to"
          + " checkpoint_only; releases without that table: enable_criu_support = true in [crio.runtime]), and"
          + " restart CRI-O");
    }
    if (runtime.equals("containerd")) {
      if (major < 2) {
        return new Capability(false, "containerd restores checkpoints through the CRI from version 2.0 on", null);
      }
      if (major == 2 && minor <= 3) {
        return new Capability(true, null, "On the node, install CRIU 3.16 or later, set"
            + " enable_experimental_restore_via_create = true in the CRI plugin's configuration (off by default"
            + " since the patch releases that followed GHSA-33vj-92qq-66hc) with enable_criu left true, and restart"
            + " containerd");
      }
      return new Capability(false, "containerd deprecated restoring in CreateContainer, the only way a pod is"
          + " restored, in 2.3 and announced its removal for 2.4", null);
    }
    return new Capability(false, "only CRI-O (1.25 or later) and containerd (2.0 to 2.3) restore checkpoints into"
        + " pods", null);
  }
}
