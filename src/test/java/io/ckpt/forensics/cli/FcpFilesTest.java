package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FileChangeFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FcpFilesTest {

  @Test
  void probe() {
    Path a = FileChangeFixtures.write();
    FcpRun r = FcpRun.of("files", a.toString());
    System.out.println(r.out() + "\nERR:" + r.err() + "\nCODE " + r.exitCode());
    assertThat(r.exitCode()).isZero();
  }
}
