package io.ckpt.forensics.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A filesystem store read through its volume mounted on this machine. */
class StoreReaderTest {

  @TempDir
  Path mounted;

  private StoreReader reader(Path storeRoot) {
    StoreAccessOptions access = new StoreAccessOptions();
    access.storeRoot = storeRoot;
    access.storeMount = StoreAccessOptions.COLLECTOR_MOUNT;
    return new StoreReader(access);
  }

  @Test
  void theCollectorsMountIsMappedOntoStoreRoot() throws Exception {
    Files.createDirectories(mounted.resolve("dev/web-1-abcdef01"));
    Files.writeString(mounted.resolve("dev/web-1-abcdef01/app-1.tar"), "archive");

    try (StoreReader reader = reader(mounted);
        InputStream in = reader.open("file:///evidence-store/dev/web-1-abcdef01/app-1.tar")) {
      assertThat(new String(in.readAllBytes())).isEqualTo("archive");
    }
  }

  @Test
  void withoutStoreRootTheLocationIsReadWhereItIs() throws Exception {
    Path file = Files.writeString(mounted.resolve("app-1.tar"), "here");

    try (StoreReader reader = reader(null); InputStream in = reader.open(file.toUri().toString())) {
      assertThat(new String(in.readAllBytes())).isEqualTo("here");
    }
  }

  @Test
  void aMissingFileSaysToMountTheVolume() {
    assertThatThrownBy(() -> reader(null).open("file:///evidence-store/dev/x/app-1.tar"))
        .isInstanceOf(PluginError.class).hasMessageContaining("mount it here (read-only is enough) and give"
            + " --store-root DIR").satisfies(e -> assertThat(((PluginError) e).exitCode())
            .isEqualTo(PluginExitCode.NOT_FOUND));
  }

  @Test
  void aLocationOutsideTheMountOrEscapingItIsRefused() throws Exception {
    assertThatThrownBy(() -> reader(mounted).localPath(URI.create("file:///etc/passwd")))
        .hasMessageContaining("is not under the collector's mount /evidence-store");
    assertThatThrownBy(() -> reader(mounted).localPath(URI.create("file:///evidence-store/../etc/passwd")))
        .hasMessageContaining("is not under the collector's mount");
  }

  @Test
  void theDefaultOutputIsTheStoredFilesOwnName() throws Exception {
    assertThat(FetchCommand.fileName("s3://evidence/cases/web-1-abcdef01/app-1.tar.gpg")).isEqualTo("app-1.tar.gpg");
    assertThatThrownBy(() -> FetchCommand.fileName("file:///evidence-store/dev/x/.hidden"))
        .hasMessageContaining("give -o FILE");
  }
}
