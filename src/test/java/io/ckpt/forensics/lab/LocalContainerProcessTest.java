package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A lab container runs in its own directory, so its class path must not depend on the working directory. */
class LocalContainerProcessTest {

  @Test
  void relativeClassPathEntriesBecomeAbsolute() {
    String cwd = Path.of("").toAbsolutePath().toString();

    String classPath = LocalContainerProcess.absoluteClassPath(
        "target/classes" + File.pathSeparator + "/opt/lib/a.jar" + File.pathSeparator);

    assertThat(classPath.split(File.pathSeparator))
        .containsExactly(Path.of(cwd, "target/classes").toString(), "/opt/lib/a.jar");
  }
}
