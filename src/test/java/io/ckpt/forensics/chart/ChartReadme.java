package io.ckpt.forensics.chart;

import io.ckpt.forensics.cluster.ChartRelease;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Examples in helm/README.md that tests apply as written, so that the documented YAML stays right. */
public final class ChartReadme {

  private static final Pattern YAML_BLOCK = Pattern.compile("(?s)```yaml\\n(.*?)```");

  private ChartReadme() {
  }

  /** The ResourceQuota of the "Fairness" section, namespace and all. */
  public static String resourceQuotaExample() {
    try {
      Matcher block = YAML_BLOCK.matcher(Files.readString(ChartRelease.projectRoot().resolve("helm/README.md")));
      while (block.find()) {
        if (block.group(1).contains("kind: ResourceQuota")) {
          return block.group(1);
        }
      }
      throw new AssertionError("helm/README.md has no ResourceQuota example");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
