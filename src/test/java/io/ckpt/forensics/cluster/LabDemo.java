package io.ckpt.forensics.cluster;

import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.CollectionConfig;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;
import sun.misc.Signal;

/**
 * The README's demo (run by operator/demo inside the lab's network namespace): a real API
 * server with three simulated nodes and pods in two namespaces, fresh custody keys, the Helm chart
 * with evidence custody on (a file store on a claim, signed records, archives encrypted to an
 * analyst's OpenPGP key), the operator as the chart's ServiceAccount with the chart's collection
 * settings, and deploy/examples applied until every ForensicCheckpoint is stored; then, for one,
 * {@code fcp verify} and {@code fcp summary} of the stored copy ({@link DemoCustody}).
 */
public final class LabDemo {

  /** How long --once waits for every sample to be checkpointed and stored. */
  static final Duration CUSTODY_TIMEOUT = Duration.ofSeconds(240);

  private LabDemo() {
  }

  public static void main(String[] args) throws Exception {
    boolean once = List.of(args).contains("--once");
    Lab.unavailableReason().ifPresent(reason -> {
      System.err.println("demo: cannot start the lab: " + reason);
      System.exit(3);
    });
    System.exit(run(once, true));
  }

  /**
   * The demo; returns its exit code: 0 when every sample was stored and the stored copy shown
   * verified, 1 otherwise (the last line says why). Without {@code once} it stays up until
   * SIGINT/SIGTERM. {@code ownsProcess}: this JVM is the demo's own, so the operator's log goes to a
   * file and the signals are taken back from Helm's Go runtime (not in a test JVM).
   */
  static int run(boolean once, boolean ownsProcess) throws InterruptedException {
    long started = System.nanoTime();
    say("starting the lab: etcd, kube-apiserver and 3 simulated kubelet nodes (private network 198.18.0.0/24)");
    Lab lab = Lab.start(LabOptions.defaults().name("demo").nodes(3));
    OperatorMain.Running operator = null;
    CountDownLatch stop = new CountDownLatch(1);
    int exitCode = 0;
    try {
      if (ownsProcess) {
        logOperatorTo(lab.runDir().resolve("operator.log"));
      }
      lab.createRunningPod("dev", "nettools", lab.nodes().get(0), "nettools");
      lab.createRunningPod("shop", "web", lab.nodes().get(1), "app", "sidecar");
      lab.createRunningPod("shop", "db", lab.nodes().get(2), "postgres");
      say("pods running: dev/nettools on " + lab.nodes().get(0).name() + ", shop/web on " + lab.nodes().get(1).name()
          + ", shop/db on " + lab.nodes().get(2).name());

      DemoKeys keys = DemoKeys.generate(lab.runDir().resolve("keys"));
      say("fresh keys: custody-signing.pem (ECDSA P-256) signs the custody records; analyst.pub.asc (OpenPGP "
          + keys.recipientFingerprint() + ") is what archives are encrypted to");
      Map<String, Object> values = DemoCustody.chartValues();
      say("installing the Helm chart (CRD, ServiceAccount, least-privilege RBAC, collector namespace) with helm-java:");
      System.out.println("    --set " + new TreeMap<>(values).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(",")));
      ChartRelease chart = ChartRelease.install(lab, values);
      // helm-java runs Helm's Go code in this process, and Go's runtime takes SIGINT and SIGTERM
      // for itself: take them back, or Ctrl-C would never reach this JVM.
      for (String name : ownsProcess ? List.of("INT", "TERM") : List.<String>of()) {
        Signal.handle(new Signal(name), signal -> {
          if (once) {
            System.exit(130); // the lab's shutdown hook stops and removes everything
          }
          stop.countDown();
        });
      }
      DemoCustody custody = new DemoCustody(lab, keys);
      custody.createSecrets();

      Map<String, String> env = new HashMap<>(DemoCustody.collectionSettings(chart));
      env.put(OperatorConfig.HEALTH_PORT, "0");
      operator = chart.startOperator(OperatorConfig.fromEnvironment(env));
      say("operator running as system:serviceaccount:" + ChartRelease.NAMESPACE + ":" + ChartRelease.SERVICE_ACCOUNT
          + ", with the chart's " + CollectionConfig.STORE + "=file " + CollectionConfig.CLAIM + "=" + DemoCustody.CLAIM
          + " (log: " + lab.runDir().resolve("operator.log") + ")");
      say("a lab node runs each collector pod as a local JVM; claim " + DemoCustody.NAMESPACE + "/" + DemoCustody.CLAIM
          + " is the directory " + lab.runDir().resolve("claims").resolve(DemoCustody.NAMESPACE).resolve(DemoCustody.CLAIM));

      Path examples = ChartRelease.projectRoot().resolve("deploy/examples");
      run(lab, "apply", "-k", examples.toString());
      run(lab, "apply", "-f", "-", SHOP_EXAMPLE);

      boolean allStored = custody.awaitCustody(CUSTODY_TIMEOUT);
      if (allStored) {
        say("every ForensicCheckpoint Succeeded and every archive is in custody (condition EvidenceStored True)");
        custody.showOneStored();
      } else {
        custody.explainFailures();
        exitCode = 1;
      }
      if (once) {
        say((exitCode == 0 ? "done" : "FAILED: not every sample reached custody") + " in "
            + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
      } else {
        say("the lab stays up until Ctrl-C. From another terminal:");
        System.out.println("    operator/lab/enter kubectl --kubeconfig " + lab.adminKubeconfig() + " get fcp -A");
        System.out.println("    operator/lab/enter kubectl --kubeconfig " + lab.adminKubeconfig()
            + " describe fcp nettools-inc42 -n dev");
        stop.await();
        say("stopping");
      }
    } catch (DemoCustody.DemoFailure e) {
      say("FAILED: " + e.getMessage());
      exitCode = 1;
    } catch (Exception e) {
      say("FAILED: " + e);
      e.printStackTrace();
      exitCode = 1;
    } finally {
      if (operator != null) {
        operator.close();
      }
      lab.close();
    }
    return exitCode;
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

  static void say(String line) {
    System.out.println("demo: " + line);
    System.out.flush();
  }
}
