package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** DESIGN.md: archive and cli run on a laptop; they must not reach for the Kubernetes client or the lab. */
class NoClusterDependencyTest {

  @Test
  void archiveAndCliImportNeitherFabric8NorOperatorCode() throws Exception {
    Path src = Path.of(System.getProperty("project.root", ".")).resolve("src/main/java/io/ckpt/forensics");
    for (String pkg : List.of("archive", "cli")) {
      try (Stream<Path> files = Files.walk(src.resolve(pkg))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f);
          assertThat(text).as(f.toString()).doesNotContain("io.fabric8", "io.javaoperatorsdk",
              "io.ckpt.forensics.operator", "io.ckpt.forensics.kubelet", "io.ckpt.forensics.lab");
          // operator/fcp puts only these libraries' jars on the classpath (start-up time)
          text.lines().filter(l -> l.startsWith("import ")).map(l -> l.replaceFirst("^import (static )?", ""))
              .filter(i -> !i.startsWith("java.") && !i.startsWith("io.ckpt.forensics."))
              .forEach(i -> assertThat(i).as(f + ": a library operator/fcp does not put on its classpath")
                  .matches("(picocli|com\\.fasterxml\\.jackson\\.(core|databind|annotation)|com\\.google\\.protobuf"
                      + "|io\\.airlift\\.compress)\\..*"));
        }
      }
    }
  }
}
