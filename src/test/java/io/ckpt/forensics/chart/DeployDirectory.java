package io.ckpt.forensics.chart;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code deploy/} is the chart's default render, one file per template plus the Namespace and a
 * kustomization. This class says what those files hold ({@link ChartRenderTest} compares them) and,
 * as a program, writes them: {@code ./mvnw -Pregenerate-deploy process-test-classes} runs its
 * {@link #main}. Writing is never a test's side effect, so a test run cannot rewrite committed files.
 */
final class DeployDirectory {

  static final String RELEASE = "forensic-checkpoint";
  static final String NAMESPACE = "forensic-checkpoint-system";
  static final String REGENERATE_COMMAND = "./mvnw -Pregenerate-deploy process-test-classes";

  private static final Pattern SOURCE = Pattern.compile("(?m)^# Source: [^/]+/templates/(\\S+)$");

  private DeployDirectory() {}

  /** Regenerates deploy/ under the project root given as the only argument. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: DeployDirectory PROJECT_ROOT (pom.xml's regenerate-deploy profile passes it)");
    }
    Path root = Path.of(args[0]).toAbsolutePath();
    Path scratch = Files.createTempDirectory("fcp-deploy-render");
    try {
      Path chart = renderableCopy(root.resolve("helm"), scratch.resolve("chart"));
      Map<String, String> files = expectedFiles(new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE).call());
      Path deploy = root.resolve("deploy");
      try (Stream<Path> old = Files.list(deploy)) {
        for (Path file : old.filter(DeployDirectory::isYaml).toList()) {
          Files.delete(file);
        }
      }
      for (Map.Entry<String, String> file : files.entrySet()) {
        Files.writeString(deploy.resolve(file.getKey()), file.getValue());
      }
      System.out.println("deploy/: wrote " + String.join(", ", files.keySet()));
    } finally {
      try (Stream<Path> leftovers = Files.walk(scratch)) {
        for (Path p : leftovers.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /**
   * Copies the chart without its kubeVersion line: helm-java 0.0.15 renders with Helm's built-in
   * Kubernetes version (v1.20.0) and cannot pass --kube-version, so the constraint would refuse
   * every render. {@link ChartRenderTest} proves the copy renders the same as the chart.
   */
  static Path renderableCopy(Path chart, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(chart)) {
      for (Path source : files.toList()) {
        Path copy = target.resolve(chart.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(source, copy);
        }
      }
    }
    Path chartYaml = target.resolve("Chart.yaml");
    String withoutKubeVersion = Files.readAllLines(chartYaml).stream()
        .filter(line -> !line.startsWith("kubeVersion:"))
        .collect(Collectors.joining("\n", "", "\n"));
    Files.writeString(chartYaml, withoutKubeVersion);
    return target;
  }

  /** File name to content, from the chart's default render (the text {@code helm template} prints). */
  static Map<String, String> expectedFiles(String defaultRender) {
    String header = """
        # Generated from the chart in helm/ (DeployDirectory): its default render as
        # release %s in namespace %s. Do not edit; regenerate with
        #   %s
        """.formatted(RELEASE, NAMESPACE, REGENERATE_COMMAND);

    Map<String, List<String>> byTemplate = new LinkedHashMap<>();
    for (String chunk : defaultRender.split("(?m)^---\\s*$")) {
      if (chunk.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
        continue; // no document, only helm's comments
      }
      Matcher source = SOURCE.matcher(chunk);
      if (!source.find()) {
        throw new IllegalStateException("helm did not name the template of:\n" + chunk);
      }
      byTemplate.computeIfAbsent(source.group(1), t -> new ArrayList<>()).add(chunk.strip());
    }

    Map<String, String> files = new LinkedHashMap<>();
    files.put("namespace.yaml", header + """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %s
          labels:
            # the operator's pod meets the restricted Pod Security Standard
            pod-security.kubernetes.io/enforce: restricted
        """.formatted(NAMESPACE));
    byTemplate.forEach((template, docs) -> files.put(template, header + String.join("\n---\n", docs) + "\n"));

    List<String> resources = new ArrayList<>();
    resources.add("namespace.yaml");
    // kustomize loads no file outside deploy/: the CRD comes through crd/kustomization.yaml
    resources.add("../crd");
    resources.addAll(byTemplate.keySet());
    files.put("kustomization.yaml", header + """
        # kubectl apply -k deploy/ : the CRD, the namespace and the operator.
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
        """ + resources.stream().map(r -> "  - " + r + "\n").collect(Collectors.joining()));
    return files;
  }

  static boolean isYaml(Path file) {
    String name = file.getFileName().toString();
    return Files.isRegularFile(file) && (name.endsWith(".yaml") || name.endsWith(".yml"));
  }
}
