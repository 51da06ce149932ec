package io.ckpt.forensics.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image's base (pom.xml, property {@code image.base}, Jib's {@code from}) is pinned by digest: a tag
 * can be moved to other content by whoever controls the registry, a digest cannot.
 */
class BaseImagePinnedTest {

  static final Path ROOT = Paths.get(System.getProperty("project.root", "")).toAbsolutePath();

  @Test
  void baseImageIsPinnedByDigest() throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Matcher base = Pattern.compile("<image\\.base>([^<]*)</image\\.base>").matcher(pom);
    assertThat(base.find()).as("pom.xml defines the property image.base").isTrue();
    assertThat(base.group(1)).as("image.base in pom.xml: name:tag@sha256:<64 hex>, so the tag documents what the"
        + " digest pins").matches("[^@\\s]+:[^@\\s]+@sha256:[0-9a-f]{64}");
    assertThat(pom).as("Jib builds from image.base").contains("<image>${image.base}</image>");
    assertThat(base.find()).as("image.base is defined once").isFalse();
  }
}
