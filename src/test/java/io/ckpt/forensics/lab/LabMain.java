package io.ckpt.forensics.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Starts a lab and keeps it up until SIGINT/SIGTERM (the demo). Must run inside
 * {@code operator/lab/in-netns}; {@code operator/lab/run-lab} does everything (provision, compile, enter).
 *
 * <pre>
 * --nodes N                         simulated nodes (default 3)
 * --real-nodes N                    nodes running the kubelet's own code, real-1..real-N (default 0)
 * --name NAME                       run directory suffix (default demo)
 * --pod NS/NAME[@NODE][:C1,C2]      a running pod (NODE: name or 1-based index, default 1; containers default NAME)
 * --kubelet-client-without-groups   the API server's kubelet client lacks kubeadm:cluster-admins (proxy gets 403)
 * --checkpoint-gate-off             every kubelet starts with ContainerCheckpoint off (404)
 * --kubelet-root-dir DIR            root dir reported in checkpoint paths (e.g. /var/lib/kubelet)
 * </pre>
 */
public final class LabMain {

  private LabMain() {}

  public static void main(String[] args) throws Exception {
    LabOptions options = LabOptions.defaults().name("demo").nodes(3);
    List<String> pods = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--nodes" -> options.nodes(Integer.parseInt(value(args, ++i, arg)));
        case "--real-nodes" -> options.realNodes(Integer.parseInt(value(args, ++i, arg)));
        case "--name" -> options.name(value(args, ++i, arg));
        case "--pod" -> pods.add(value(args, ++i, arg));
        case "--kubelet-client-without-groups" -> options.apiServerKubeletClientWithoutGroups();
        case "--checkpoint-gate-off" -> options.checkpointGate(false);
        case "--kubelet-root-dir" -> options.kubeletRootDir(value(args, ++i, arg));
        case "-h", "--help" -> {
          usage();
          return;
        }
        default -> {
          System.err.println("unknown argument: " + arg);
          usage();
          System.exit(2);
        }
      }
    }
    Optional<String> reason = LabNetwork.unavailableReason(options.nodes() + options.realNodes());
    if (reason.isPresent()) {
      System.err.println("cannot start the lab: " + reason.get());
      System.exit(3);
    }
    Lab lab = Lab.start(options);
    for (String spec : pods) {
      createPod(lab, spec);
    }
    Path run = lab.runDir();
    StringBuilder out = new StringBuilder();
    out.append("\nLab '").append(options.name()).append("' is up in ").append(lab.startupTimings().get("total"))
        .append(" ms: a real kube-apiserver + etcd, ").append(lab.nodes().size()).append(" simulated kubelets and ")
        .append(lab.realNodes().size()).append(" real ones.\n");
    out.append("  API server   ").append(lab.apiServerUrl()).append("  (inside the lab's network namespace only)\n");
    out.append("  kubeconfig   ").append(lab.adminKubeconfig()).append("  (user lab-admin, system:masters)\n");
    for (SimulatedNode node : lab.nodes()) {
      out.append("  node         ").append(node.name()).append("  ").append(node.kubeletUrl())
          .append("  archives in ").append(node.checkpointDir()).append('\n');
    }
    for (RealKubeletNode node : lab.realNodes()) {
      out.append("  real node    ").append(node.name()).append("  ").append(node.kubeletUrl())
          .append("  archives in ").append(node.checkpointDir()).append('\n');
    }
    out.append("  logs         ").append(run).append('\n');
    out.append("\nFrom another terminal (joins the namespace with nsenter):\n");
    out.append("  operator/lab/enter kubectl get nodes -o wide\n");
    out.append("  operator/lab/enter                      # a shell with KUBECONFIG and the lab binaries on PATH\n");
    String hostPid = System.getenv("FCP_LAB_NETNS_HOST_PID");
    if (hostPid != null && !hostPid.isBlank()) {
      out.append("  or: nsenter --target ").append(hostPid.strip()).append(" --net -- ")
          .append(lab.binaries().kubectl()).append(" --kubeconfig ").append(lab.adminKubeconfig()).append(" get nodes\n");
    }
    out.append("\nCtrl-C (or SIGTERM) stops the lab.\n");
    System.out.println(out);
    System.out.flush();
    Files.writeString(run.resolve("ready"), lab.apiServerUrl() + "\n");
    new CountDownLatch(1).await(); // the lab's shutdown hook closes it
  }

  private static void createPod(Lab lab, String spec) {
    // NS/NAME[@NODE][:C1,C2]
    String rest = spec;
    List<String> containers = new ArrayList<>();
    int colon = rest.indexOf(':');
    if (colon >= 0) {
      for (String c : rest.substring(colon + 1).split(",")) {
        if (!c.isBlank()) {
          containers.add(c.strip());
        }
      }
      rest = rest.substring(0, colon);
    }
    String nodeRef = "1";
    int at = rest.indexOf('@');
    if (at >= 0) {
      nodeRef = rest.substring(at + 1);
      rest = rest.substring(0, at);
    }
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException("--pod NS/NAME[@NODE][:C1,C2], got " + spec);
    }
    String namespace = rest.substring(0, slash);
    String name = rest.substring(slash + 1);
    if (containers.isEmpty()) {
      containers.add(name);
    }
    LabNode node = nodeRef.chars().allMatch(Character::isDigit) ? lab.node(Integer.parseInt(nodeRef))
        : nodeRef.startsWith("real-") ? lab.realNode(Integer.parseInt(nodeRef.substring("real-".length())))
        : lab.node(nodeRef);
    lab.createRunningPod(namespace, name, node, containers.toArray(String[]::new));
    System.out.println("pod " + namespace + "/" + name + " running on " + node.name() + " with containers " + containers);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static void usage() {
    System.err.println("usage: operator/lab/run-lab [--nodes N] [--real-nodes N] [--name NAME] [--pod NS/NAME[@NODE][:C1,C2]]..."
        + " [--kubelet-client-without-groups] [--checkpoint-gate-off] [--kubelet-root-dir DIR]");
  }
}
