package io.ckpt.forensics.cluster;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.cli.FcpMain;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import sun.misc.Signal;

/**
 * The README's demo (run by operator/demo inside the lab's network namespace): a real API
 * server with three simulated nodes and pods in two namespaces, the chart's CRD and RBAC, the
 * operator as the chart's ServiceAccount, and deploy/examples applied until every
 * ForensicCheckpoint is terminal; then {@code fcp summary} of an archive a simulated kubelet wrote.
 */
public final class LabDemo {

  private LabDemo() {
  }

  public static void main(String[] args) throws Exception {
    boolean once = List.of(args).contains("--once");
    Lab.unavailableReason().ifPresent(reason -> {
      System.err.println("demo: cannot start the lab: " + reason);
      System.exit(3);
    });
    say("starting the lab: etcd, kube-apiserver and 3 simulated kubelet nodes (private network 198.18.0.0/24)");
    Lab lab = Lab.start(LabOptions.defaults().name("demo").nodes(3));
    OperatorMain.Running operator = null;
    CountDownLatch stop = new CountDownLatch(1);
    try {
      logOperatorTo(lab.runDir().resolve("operator.log"));
      lab.createRunningPod("dev", "nettools", lab.nodes().get(0), "nettools");
      lab.createRunningPod("shop", "web", lab.nodes().get(1), "app", "sidecar");
      lab.createRunningPod("shop", "db", lab.nodes().get(2), "postgres");
      say("pods running: dev/nettools on " + lab.nodes().get(0).name() + ", shop/web on " + lab.nodes().get(1).name()
          + ", shop/db on " + lab.nodes().get(2).name());

      say("installing the Helm chart (CRD, ServiceAccount, least-privilege RBAC) with helm-java");
      ChartRelease chart = ChartRelease.install(lab, Map.of());
      // helm-java runs Helm's Go code in this process, and Go's runtime takes SIGINT and SIGTERM
      // for itself: take them back, or Ctrl-C would never reach this JVM.
      for (String name : List.of("INT", "TERM")) {
        Signal.handle(new Signal(name), signal -> stop.countDown());
      }
      operator = chart.startOperator(OperatorConfig.fromEnvironment(Map.of(OperatorConfig.HEALTH_PORT, "0")));
      say("operator running as system:serviceaccount:" + ChartRelease.NAMESPACE + ":" + ChartRelease.SERVICE_ACCOUNT
          + " (log: " + lab.runDir().resolve("operator.log") + ")");

      Path examples = ChartRelease.projectRoot().resolve("deploy/examples");
      run(lab, "apply", "-k", examples.toString());
      run(lab, "apply", "-f", "-", SHOP_EXAMPLE);

      boolean allSucceeded = waitForTerminal(lab);
      System.out.println();
      System.out.println(lab.kubectl("get", "fcp", "-A").stdout());
      say(allSucceeded ? "every ForensicCheckpoint reached Succeeded" : "some ForensicCheckpoints did not succeed");
      say("archives written by the simulated kubelets under " + lab.runDir().resolve("nodes"));
      summarizeAnArchive(lab);
      if (once) {
        if (!allSucceeded) {
          System.exit(1);
        }
        return;
      }
      say("the lab stays up until Ctrl-C. From another terminal:");
      System.out.println("    operator/lab/enter kubectl --kubeconfig " + lab.adminKubeconfig() + " get fcp -A");
      System.out.println("    operator/lab/enter kubectl --kubeconfig " + lab.adminKubeconfig()
          + " describe fcp nettools-inc42 -n dev");
      stop.await();
      say("stopping");
    } finally {
      if (operator != null) {
        operator.close();
      }
      lab.close();
    }
    System.exit(0);
  }

  static final String SHOP_EXAMPLE = """
      apiVersion: forensics.ckpt.io/v1alpha1
      kind: ForensicCheckpoint
      metadata:
        name: web-inc43
        namespace: shop
      spec:
        podName: web
        reason: "Falco: Outbound connection to a known C2 address"
        caseId: INC-2026-0043
      """;

  /**
   * Runs fcp (in this JVM, as operator/fcp would) on the archive of the first container that
   * succeeded: the file its node's kubelet wrote at the path status reports.
   */
  private static void summarizeAnArchive(Lab lab) {
    for (ForensicCheckpoint fcp : lab.adminClient().resources(ForensicCheckpoint.class).inAnyNamespace().list()
        .getItems()) {
      String nodeName = fcp.getStatus().getNodeName();
      for (ContainerCheckpointStatus container : fcp.getStatus().getContainers()) {
        if (container.getArchivePath() == null) {
          continue;
        }
        SimulatedNode node = lab.nodes().stream().filter(n -> n.name().equals(nodeName)).findFirst().orElseThrow();
        Path archive = node.archiveFile(container.getArchivePath());
        say("inspecting the archive of " + fcp.getMetadata().getNamespace() + "/" + fcp.getMetadata().getName()
            + " (container " + container.getName() + ", " + nodeName + ":" + container.getArchivePath() + ")");
        say("a simulated kubelet writes the same archive for every container: the test fixtures' real CRIU"
            + " dump of one aarch64 process, with the CRI-O metadata of an nginx pod");
        System.out.println("$ operator/fcp summary " + archive);
        PrintWriter out = new PrintWriter(System.out, true);
        int code = FcpMain.run(new String[] {"summary", archive.toString()}, out, new PrintWriter(System.err, true));
        if (code != 0) {
          throw new IllegalStateException("fcp summary " + archive + " exited with " + code);
        }
        return;
      }
    }
    say("no archive to inspect: no container was checkpointed");
  }

  private static boolean waitForTerminal(Lab lab) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    String last = "";
    while (System.nanoTime() < deadline) {
      String table = lab.kubectl("get", "fcp", "-A").stdout();
      if (!table.equals(last)) {
        System.out.println(table);
        last = table;
      }
      List<ForensicCheckpoint> all = lab.adminClient().resources(ForensicCheckpoint.class).inAnyNamespace().list()
          .getItems();
      if (!all.isEmpty() && all.stream().allMatch(f -> f.getStatus() != null && f.getStatus().getPhase() != null
          && f.getStatus().getPhase().isTerminal())) {
        return all.stream().allMatch(f -> f.getStatus().getPhase() == CheckpointPhase.Succeeded);
      }
      Thread.sleep(500);
    }
    return false;
  }

  private static void run(Lab lab, String... args) {
    ExecResult result = args.length > 3 && "-".equals(args[2])
        ? lab.kubectlWithInput(args[3], args[0], args[1], args[2])
        : lab.kubectl(args);
    System.out.print("$ kubectl " + String.join(" ", args.length > 3 ? List.of(args).subList(0, 3) : List.of(args))
        + "\n" + result.stdout());
    if (result.exitCode() != 0) {
      throw new IllegalStateException("kubectl failed: " + result);
    }
  }

  private static void logOperatorTo(Path file) throws IOException {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    FileHandler handler = new FileHandler(file.toString(), true);
    handler.setFormatter(new SimpleFormatter());
    root.addHandler(handler);
  }

  private static void say(String line) {
    System.out.println("demo: " + line);
    System.out.flush();
  }
}
