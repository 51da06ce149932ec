package io.ckpt.forensics.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.ckpt.forensics.image.ImageJvmFlags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator's JVM flags live in four places: the image (pom.xml, Jib jvmFlags), the chart (the
 * memory limit that sizes the heap, and the flags listed in values.yaml), the benchmark that
 * measures them (Bench.IMAGE_JVM) and the install guide (docs/install.md, The image). A change to one without the others would make the
 * benchmark measure something that does not ship.
 */
class OperatorJvmFlagsTest {

  private static final Path ROOT = Paths.get(System.getProperty("project.root", "")).toAbsolutePath();

  @Test
  void benchmarkRunsTheImageFlagsWithTheChartsMemoryLimit() throws Exception {
    List<String> expected = new ArrayList<>();
    expected.add("-XX:MaxRAM=" + mebibytes(chartMemoryLimit()) + "m");
    expected.addAll(imageFlags());
    assertThat(Bench.IMAGE_JVM).containsExactlyElementsOf(expected);
  }

  @Test
  void chartValuesAndInstallGuideNameEveryImageFlag() throws Exception {
    String values = Files.readString(ROOT.resolve("helm/values.yaml"));
    String installGuide = Files.readString(ROOT.resolve("docs/install.md"));
    assertThat(imageFlags()).isNotEmpty().allSatisfy(flag -> {
      assertThat(values).contains(flag);
      assertThat(installGuide).as("docs/install.md names %s", flag).contains(flag);
    });
  }

  private static List<String> imageFlags() throws Exception {
    return ImageJvmFlags.fromPom(ROOT);
  }

  private static String chartMemoryLimit() throws Exception {
    return new YAMLMapper().readTree(ROOT.resolve("helm/values.yaml").toFile()).path("resources").path("limits")
        .path("memory").asText();
  }

  /** "320Mi" or "1Gi" as a number of MiB: the unit -XX:MaxRAM=...m takes. */
  private static long mebibytes(String quantity) {
    if (quantity.endsWith("Gi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) * 1024;
    }
    assertThat(quantity).as("resources.limits.memory in Mi or Gi").endsWith("Mi");
    return Long.parseLong(quantity.substring(0, quantity.length() - 2));
  }
}
