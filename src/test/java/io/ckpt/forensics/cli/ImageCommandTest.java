package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FixtureArchives;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fcp image's refusals, before any registry is contacted; RegistryPushIT pushes for real. */
class ImageCommandTest {

  @TempDir
  Path tmp;

  private record Run(int exit, String out, String err) {
  }

  private static Run fcp(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FcpMain.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aReferenceWithoutRegistryHostOrTagIsAUsageError() {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    Run noHost = fcp("image", archive.toString(), "--name", "nginx", "--push", "forensics/nginx:1");
    Run noTag = fcp("image", archive.toString(), "--name", "nginx", "--push", "localhost:5000/forensics/nginx");

    assertThat(noHost.exit()).isEqualTo(2);
    assertThat(noHost.err()).contains("--push: reference forensics/nginx:1 has no registry host (docker.io is never"
        + " assumed); write it as REGISTRY/REPOSITORY:TAG");
    assertThat(noTag.exit()).isEqualTo(2);
    assertThat(noTag.err()).contains("has no tag (latest is never assumed)");
  }

  @Test
  void aBadContainerNameOrBothDestinationsAreUsageErrors() {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    Run badName = fcp("image", archive.toString(), "--name", "Nginx_1", "--output", tmp.resolve("l").toString());
    Run both = fcp("image", archive.toString(), "--name", "nginx", "--output", tmp.resolve("l").toString(), "--push",
        "localhost:5000/a:1");
    Run neither = fcp("image", archive.toString(), "--name", "nginx");

    assertThat(badName.exit()).isEqualTo(2);
    assertThat(badName.err()).contains("--name: container name Nginx_1 is not a DNS label");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(neither.exit()).isEqualTo(2);
    assertThat(tmp.resolve("l")).doesNotExist();
  }

  @Test
  void anExistingOutputDirectoryIsNeverWrittenInto() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    Path existing = Files.createDirectory(tmp.resolve("layout"));

    Run r = fcp("image", archive.toString(), "--name", "nginx", "--output", existing.toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("already exists: name a new directory");
    try (var files = Files.list(existing)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void anArchiveThatIsNotACheckpointExitsThree() {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.BARE_IMAGES);

    Run r = fcp("image", archive.toString(), "--name", "nginx", "--output", tmp.resolve("l").toString());

    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).isEqualTo("fcp: the archive has no config.dump: not a container checkpoint that CRI-O or"
        + " containerd can restore\n");
    assertThat(tmp.resolve("l")).doesNotExist();
  }

  @Test
  void theLayoutRunPrintsDigestAnnotationsAndThePlaintextWarning() {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);

    Run r = fcp("image", archive.toString(), "--name", "nginx", "--output", tmp.resolve("l").toString(), "--tag",
        "case-42");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("(?m)^Digest   sha256:[0-9a-f]{64}$")
        .contains("  io.kubernetes.cri-o.annotations.checkpoint.name=nginx\n",
            "Dropped by the sanitizer: 1\n", "The image holds the container's memory in plaintext.\n");
    assertThat(tmp.resolve("l/index.json")).content().contains("\"org.opencontainers.image.ref.name\":\"case-42\"");
  }
}
