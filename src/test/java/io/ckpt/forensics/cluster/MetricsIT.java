package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.lab.KubeletFault;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Scrapes the operator's /metrics after a success, a CRIU failure and a retried unreachable node. */
class MetricsIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("metrics-it").nodes(2), Map.of());
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  @BeforeAll
  static void useCluster() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
  }

  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void countersAndHistogramsAfterASuccessAFailureAndARetry() throws Exception {
    SimulatedNode healthy = lab.node(1);
    SimulatedNode broken = lab.node(2);
    lab.createRunningPod("metrics", "good", healthy, "app");
    lab.createRunningPod("metrics", "bad", broken, "app");
    lab.createRunningPod("metrics", "gone", broken, "app");
    OperatorConfig settings = OperatorConfig.fromEnvironment(Map.of(OperatorConfig.HEALTH_PORT, "0",
        OperatorConfig.RETRY_LIMIT, "1", OperatorConfig.RETRY_BACKOFF_MILLIS, "50"));

    try (OperatorMain.Running operator = chart.startOperator(settings)) {
      fcps.create("metrics", "ok", "good", "app");
      assertThat(fcps.awaitTerminal("metrics", "ok", WAIT).getStatus().getPhase())
          .isEqualTo(CheckpointPhase.Succeeded);
      broken.inject(KubeletFault.CRIU_FAILURE);
      fcps.create("metrics", "criu", "bad", "app");
      assertThat(fcps.awaitTerminal("metrics", "criu", WAIT).getStatus().getPhase()).isEqualTo(CheckpointPhase.Failed);
      broken.makeUnreachable();
      fcps.create("metrics", "unreachable", "gone", "app");
      assertThat(fcps.awaitTerminal("metrics", "unreachable", WAIT).getStatus().getPhase())
          .isEqualTo(CheckpointPhase.Failed);
      broken.reset();

      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + operator.healthPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      String metrics = response.body();

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
          .startsWith("text/plain"));
      assertThat(value(metrics, "fcp_container_checkpoints_total", "reason=\"\",result=\"succeeded\"")).isEqualTo(1);
      assertThat(value(metrics, "fcp_container_checkpoints_total", "reason=\"CRIUFailed\",result=\"failed\""))
          .isEqualTo(1);
      assertThat(value(metrics, "fcp_container_checkpoints_total", "reason=\"NodeUnreachable\",result=\"failed\""))
          .isEqualTo(1);
      assertThat(value(metrics, "fcp_checkpoints_total", "phase=\"Succeeded\",reason=\"\"")).isEqualTo(1);
      assertThat(value(metrics, "fcp_checkpoints_total", "phase=\"Failed\",reason=\"CRIUFailed\"")).isEqualTo(1);
      assertThat(value(metrics, "fcp_kubelet_call_duration_seconds_count",
          "result=\"succeeded\",transport=\"proxy\"")).isEqualTo(1);
      assertThat(value(metrics, "fcp_kubelet_call_duration_seconds_count",
          "result=\"failed\",transport=\"proxy\"")).isEqualTo(2);
      assertThat(value(metrics, "fcp_kubelet_call_duration_seconds_bucket",
          "result=\"succeeded\",transport=\"proxy\",le=\"+Inf\"")).isEqualTo(1);
      assertThat(value(metrics, "fcp_checkpoint_duration_seconds_count", "phase=\"Succeeded\"")).isEqualTo(1);
      assertThat(value(metrics, "fcp_kubelet_retries_total", "transport=\"proxy\"")).isEqualTo(1);
      assertThat(value(metrics, "fcp_kubelet_calls_in_flight", "")).isZero();
      assertThat(value(metrics, "fcp_checkpoints_waiting", "")).isZero();
      assertThat(value(metrics, "fcp_namespaces_waiting", "")).isZero();
      assertThat(value(metrics, "fcp_node_queue_depth", "node=\"" + healthy.name() + "\"")).isZero();
      assertThat(value(metrics, "fcp_node_queue_depth", "node=\"" + broken.name() + "\"")).isZero();
      assertThat(metrics).contains("jvm_memory_used_bytes").contains("process_uptime_seconds");
    }
  }

  /** The sample of {@code name} whose label set is exactly {@code labels} (Prometheus order: alphabetical). */
  static double value(String scrape, String name, String labels) {
    Pattern line = Pattern.compile("(?m)^" + Pattern.quote(name) + (labels.isEmpty() ? "" : "\\{"
        + Pattern.quote(labels) + "\\}") + " ([0-9.eE+-]+)$");
    Matcher m = line.matcher(scrape);
    assertThat(m.find()).as("%s{%s} in%n%s", name, labels, scrape.lines()
        .filter(l -> l.startsWith("fcp_")).reduce("", (a, b) -> a + b + "\n")).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
