package io.ckpt.forensics.operator;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The sandbox restore controller (issue 16 section 2): off unless enabled, since it creates pods that
 * run captured, possibly hostile, processes, and needs rights to create pods and NetworkPolicies.
 *
 * @param enabled register the CheckpointRestore controller
 * @param nodes nodes whose container runtime the administrator has configured to restore checkpoints:
 *     neither CRI-O nor containerd restores by default, and a Node's status shows only the runtime's
 *     version, never its configuration, so the operator restores only on nodes listed here (docs/restore.md#nodes)
 * @param allNodes the list was {@code *}: every node whose runtime version can restore
 */
public record RestoreConfig(boolean enabled, Set<String> nodes, boolean allNodes) {

  public static final String ENABLED = "FCP_RESTORE_ENABLED";
  public static final String NODES = "FCP_RESTORE_NODES";

  /** The controller off (the default, and what tests that do not restore use). */
  public static RestoreConfig off() {
    return new RestoreConfig(false, Set.of(), false);
  }

  public static RestoreConfig fromEnvironment(Map<String, String> env) {
    boolean enabled = OperatorConfig.bool(env, ENABLED);
    Set<String> nodes = new LinkedHashSet<>();
    boolean all = false;
    for (String part : env.getOrDefault(NODES, "").split(",")) {
      String node = part.strip();
      if (node.isEmpty()) {
        continue;
      }
      if (node.equals("*")) {
        all = true;
      } else if (!OperatorConfig.SERVICE_ACCOUNT_NAME.matcher(node).matches() || node.length() > 253) {
        throw new IllegalArgumentException(NODES + ": '" + node + "' is not a node name; give a comma-separated"
            + " list of the nodes whose container runtime has restore enabled, or * for every node whose runtime"
            + " version can restore");
      } else {
        nodes.add(node);
      }
    }
    return new RestoreConfig(enabled, Set.copyOf(nodes), all);
  }

  /** With these nodes listed (tests). */
  public static RestoreConfig enabledOn(String... nodes) {
    return new RestoreConfig(true, Set.copyOf(Arrays.asList(nodes)), false);
  }

  /** Whether the administrator listed this node by name. */
  boolean listed(String node) {
    return nodes.contains(node);
  }
}
