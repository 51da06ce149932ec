package io.ckpt.forensics.cluster;

import com.marcnuri.helm.Helm;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.ckpt.forensics.operator.RestoreConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The project's Helm chart installed into a lab, and the operator started with a token of the
 * chart's ServiceAccount: whatever the operator can do in these tests, the chart's RBAC allowed.
 */
public final class ChartRelease {

  public static final String NAMESPACE = "forensic-checkpoint-system";
  public static final String RELEASE = "forensic-checkpoint";
  public static final String SERVICE_ACCOUNT = "forensic-checkpoint-operator";
  /** FCP_KUBELET_SERVICE_ACCOUNT as the chart sets it with transport direct: the only identity kubelets see. */
  public static final String CHECKPOINTER_ACCOUNT = NAMESPACE + "/" + SERVICE_ACCOUNT + "-checkpointer";
  static final String CRD = "forensiccheckpoints.forensics.ckpt.io";

  private final Lab lab;

  private ChartRelease(Lab lab) {
    this.lab = lab;
  }

  /** helm install of helm/ with {@code values} (keys as for --set), then waits for the CRD. */
  public static ChartRelease install(Lab lab, Map<String, Object> values) {
    var install = new Helm(chart()).install().withName(RELEASE).withNamespace(NAMESPACE).createNamespace()
        .withKubeConfig(lab.adminKubeconfig());
    values.forEach(install::set);
    install.call();
    lab.adminClient().resources(CustomResourceDefinition.class).withName(CRD).waitUntilCondition(
        crd -> crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
            && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())),
        60, TimeUnit.SECONDS);
    awaitAdmissionOfCheckpoints(lab);
    return new ChartRelease(lab);
  }

  /**
   * Waits until the API server admits a ForensicCheckpoint the way it will from now on (a dry-run
   * create). Established comes first; then the chart's MutatingAdmissionPolicy becomes active (a
   * refresh of about 1 s) and, until its type converter has the new kind's schema (a poll every 5 s),
   * creates fail with 503 "Resource kind ... not found. There can be a delay ...". So where that
   * policy exists, the wait ends only when the dry run comes back with spec.requestedBy written by it.
   */
  private static void awaitAdmissionOfCheckpoints(Lab lab) {
    boolean mutatingPolicy = hasMutatingPolicy(lab);
    ForensicCheckpoint probe = new ForensicCheckpoint();
    probe.setMetadata(new ObjectMetaBuilder().withName("admission-probe").withNamespace(NAMESPACE).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("admission-probe");
    spec.setReason("dry run: is the kind admitted yet");
    probe.setSpec(spec);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        ForensicCheckpoint admitted = lab.adminClient().resource(probe).dryRun().create();
        if (!mutatingPolicy || admitted.getSpec().getRequestedBy() != null) {
          return;
        }
        last = "admitted without spec.requestedBy: the mutating policy is not active yet";
      } catch (KubernetesClientException e) {
        if (e.getCode() != 503 && e.getCode() != 404) {
          throw new IllegalStateException("the API server refuses ForensicCheckpoints after the chart's install: "
              + e.getMessage(), e);
        }
        last = e.getMessage();
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for ForensicCheckpoints to be admitted", e);
      }
    }
    throw new IllegalStateException("ForensicCheckpoints are not admitted 60 s after the chart's install: " + last);
  }

  private static boolean hasMutatingPolicy(Lab lab) {
    try {
      return !lab.adminClient().genericKubernetesResources("admissionregistration.k8s.io/v1", "MutatingAdmissionPolicy")
          .withLabel("app.kubernetes.io/instance", RELEASE).list().getItems().isEmpty();
    } catch (KubernetesClientException e) {
      return false; // the cluster does not serve the API
    }
  }

  /** helm upgrade of the release with new values (the others return to the chart's defaults). */
  public void upgrade(Map<String, Object> values) {
    var upgrade = new Helm(chart()).upgrade().withName(RELEASE).withNamespace(NAMESPACE)
        .withKubeConfig(lab.adminKubeconfig());
    values.forEach(upgrade::set);
    upgrade.call();
  }

  /** Client configuration holding a fresh TokenRequest token of the chart's ServiceAccount. */
  public Config operatorClientConfig() {
    return lab.tokenConfig(lab.mintToken(NAMESPACE, SERVICE_ACCOUNT, Duration.ofHours(2))).build();
  }

  /** A kubeconfig file for the chart's ServiceAccount, for an operator in another process. */
  public Path operatorKubeconfig(Path file) {
    return lab.writeKubeconfig(file, lab.mintToken(NAMESPACE, SERVICE_ACCOUNT, Duration.ofHours(2)));
  }

  /** Starts the operator in this JVM as the chart's ServiceAccount. */
  public OperatorMain.Running startOperator(OperatorConfig config) {
    return startOperator(config, RestoreConfig.off());
  }

  /** As {@link #startOperator(OperatorConfig)}, with the CheckpointRestore controller as {@code restore} says. */
  public OperatorMain.Running startOperator(OperatorConfig config, RestoreConfig restore) {
    try {
      return OperatorMain.start(config, restore, operatorClientConfig());
    } catch (Exception e) {
      throw new IllegalStateException("operator did not start: " + e.getMessage(), e);
    }
  }

  /**
   * The environment the chart's Deployment gives the operator container (plain values only), as
   * installed: what the chart's values turn into. The lab runs no Deployments, so an operator
   * started here takes what it needs from this.
   */
  public Map<String, String> operatorEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : operatorContainer().getEnv()) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      }
    }
    return env;
  }

  /** The image the chart's Deployment runs, as installed. */
  public String operatorImage() {
    return operatorContainer().getImage();
  }

  private Container operatorContainer() {
    Deployment deployment = lab.adminClient().apps().deployments().inNamespace(NAMESPACE)
        .withLabel("app.kubernetes.io/instance", RELEASE).list().getItems().stream().findFirst()
        .orElseThrow(() -> new IllegalStateException("the release " + RELEASE + " installed no Deployment in " + NAMESPACE));
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /** The operator settings tests use unless they need others: health on a free port. */
  public static OperatorConfig testConfig() {
    return OperatorConfig.fromEnvironment(Map.of(OperatorConfig.HEALTH_PORT, "0",
        OperatorConfig.DEFAULT_TIMEOUT_SECONDS, "60", OperatorConfig.RETRY_BACKOFF_MILLIS, "200"));
  }

  public static Path projectRoot() {
    return Path.of(System.getProperty("project.root", ".")).toAbsolutePath().normalize();
  }

  static Path chart() {
    return projectRoot().resolve("helm");
  }
}
