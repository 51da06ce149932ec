package io.ckpt.forensics.cluster;

import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabAvailability;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RealKubeletNode;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A lab with the Helm chart installed, for one test class: started before its first test, nodes
 * healed after each test, stopped after the last. Where no lab can run, the class is skipped with
 * the reason before it starts, or fails under FCP_LAB_REQUIRED=true ({@link LabAvailability}).
 */
public final class ChartedLab implements ExecutionCondition, BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  private final LabAvailability availability = new LabAvailability();
  private final LabOptions options;
  private final Map<String, Object> chartValues;
  private Lab lab;
  private ChartRelease chart;
  private Checkpoints fcps;
  private Path kubeletCaFile;
  private Path tokenFile;

  public ChartedLab(LabOptions options, Map<String, Object> chartValues) {
    this.options = options;
    this.chartValues = chartValues;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    lab = Lab.start(options);
    chart = ChartRelease.install(lab, chartValues);
    fcps = new Checkpoints(lab.adminClient());
    try {
      kubeletCaFile = Files.writeString(lab.runDir().resolve("kubelet-ca.crt"), lab.kubeletCaPem());
      tokenFile = Files.writeString(lab.runDir().resolve("operator-token"),
          lab.mintToken(ChartRelease.NAMESPACE, ChartRelease.SERVICE_ACCOUNT));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return availability.evaluateExecutionCondition(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (lab != null) {
      lab.nodes().forEach(SimulatedNode::reset);
      lab.realNodes().forEach(RealKubeletNode::clearFaults);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (lab != null) {
      lab.close();
    }
  }

  /** The lab; null only before the class starts. */
  public Lab lab() {
    return lab;
  }

  public ChartRelease chart() {
    return chart;
  }

  public Checkpoints fcps() {
    return fcps;
  }

  /** The CA of the kubelets' serving certificates, as PEM: FCP_KUBELET_CA_FILE for the direct transport. */
  public Path kubeletCaFile() {
    return kubeletCaFile;
  }

  /** A token of the chart's ServiceAccount in a file: FCP_TOKEN_FILE for the direct transport. */
  public Path tokenFile() {
    return tokenFile;
  }

  /**
   * Operator settings for one namespace with {@code transport} ("direct" or "proxy"), as the chart
   * installed with transport=direct configures it: the kubelet CA, the operator's token file, the
   * chart's checkpointer ServiceAccount, and kubelets that must serve their node identity.
   */
  public OperatorConfig operatorSettings(String namespace, String transport, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of(OperatorConfig.WATCH_NAMESPACES, namespace,
        OperatorConfig.HEALTH_PORT, "0", OperatorConfig.DEFAULT_TIMEOUT_SECONDS, "60",
        OperatorConfig.TRANSPORT, transport, OperatorConfig.KUBELET_CA_FILE, kubeletCaFile.toString(),
        OperatorConfig.TOKEN_FILE, tokenFile.toString(),
        OperatorConfig.KUBELET_SERVICE_ACCOUNT, ChartRelease.CHECKPOINTER_ACCOUNT,
        // the lab's kubelets serve CN=system:node:<name>, O=system:nodes, as the cluster CA issues them
        OperatorConfig.KUBELET_REQUIRE_NODE_IDENTITY, "true"));
    env.putAll(extra);
    return OperatorConfig.fromEnvironment(env);
  }
}
