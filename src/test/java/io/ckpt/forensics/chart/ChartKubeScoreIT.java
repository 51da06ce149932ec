package io.ckpt.forensics.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.lab.LabBinaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kube-score, a standard linter for Kubernetes objects (built from its Go module by operator/provision),
 * finds nothing critical and no warning in deploy/, which ChartRenderTest keeps equal to the chart's
 * default render, except what helm/README.md justifies.
 */
class ChartKubeScoreIT {

  /**
   * kube-score options for the findings that helm/README.md justifies (section "Linting"), by the name
   * the README uses for each: no CPU limit (throttling only slows the JVM) and pull policy IfNotPresent
   * (a restart during an incident must not depend on the registry; the image holds no secret).
   */
  static final Map<String, List<String>> JUSTIFIED = Map.of(
      "--ignore-container-cpu-limit", List.of("--ignore-container-cpu-limit"),
      "container-image-pull-policy", List.of("--ignore-test", "container-image-pull-policy"));

  @Test
  void theDefaultRenderHasNoCriticalFindingTheDocsDoNotJustify() throws Exception {
    Path kubeScore = LabBinaries.locate(ChartRenderTest.ROOT).dir().resolve("kube-score");
    assertThat(kubeScore).as("operator/provision builds kube-score").isExecutable();
    List<String> command = new ArrayList<>(List.of(kubeScore.toString(), "score", "--output-format", "ci"));
    JUSTIFIED.values().forEach(command::addAll);
    try (Stream<Path> files = Files.list(ChartRenderTest.DEPLOY)) {
      files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("kustomization.yaml"))
          .sorted().forEach(f -> command.add(f.toString()));
    }

    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kube-score finished").isTrue();

    assertThat(output).as("kube-score ran:%n%s", output).contains("[OK]");
    // warnings too: the replicas' pod anti-affinity, for one, is only a warning
    assertThat(output.lines().filter(line -> line.startsWith("[CRITICAL]") || line.startsWith("[WARNING]")).toList())
        .as("findings; fix them, or justify the check in helm/README.md (Linting) and JUSTIFIED")
        .isEmpty();
  }

  @Test
  void everyIgnoredCheckIsJustifiedInTheReadme() throws IOException {
    String readme = Files.readString(ChartRenderTest.CHART.resolve("README.md"));
    for (String check : JUSTIFIED.keySet()) {
      assertThat(readme).as("helm/README.md justifies ignoring %s", check).contains("`" + check + "`");
    }
  }
}
