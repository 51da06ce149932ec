package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collect mode's export without a registry: a failed export is reported beside stored evidence
 * and never changes the exit code; the export reads the node's archive before it is removed.
 * CollectorExportIT pushes to a real registry.
 */
class CollectorExportTest {

  @TempDir
  Path dir;
  CollectorExportFixture node;

  @BeforeEach
  void node() throws IOException {
    node = new CollectorExportFixture(dir);
  }

  @Test
  void aRegistryThatIsNotThereLeavesTheEvidenceStoredAndTheArchiveRemovedAfterTheImageWasBuilt() throws IOException {
    int port = closedPort();

    int code = node.collect("--delete-after-store", "--export-repository", "127.0.0.1:" + port + "/forensics/app",
        "--export-tag", "dev-app-inc42-app-0", "--export-plain-http");

    JsonNode line = node.terminationLine();
    node.assertStored(code, line);
    // RegistryUnavailable, not ArchiveUnreadable: the image was built from the archive before it was removed
    assertThat(line.path("exportFailure").path("reason").asText()).as("%s", line).isEqualTo("RegistryUnavailable");
    assertThat(line.path("exportFailure").path("message").asText())
        .startsWith("the registry could not be reached pushing to 127.0.0.1:" + port
            + "/forensics/app:dev-app-inc42-app-0")
        .endsWith("; the evidence is stored, the checkpoint is not affected");
    assertThat(line.has("export")).isFalse();
    assertThat(line.path("removedFromNode").asBoolean()).isTrue();
    assertThat(node.archive).doesNotExist();
  }

  @Test
  void anArchiveThatIsNoCheckpointIsStoredAndItsExportIsArchiveUnreadable() throws IOException {
    Files.write(node.archive, EvidenceFixtures.archive(10_000, 7));

    int code = node.collect("--export-repository", "127.0.0.1:" + closedPort() + "/forensics/app", "--export-tag",
        "t", "--export-plain-http");

    JsonNode line = node.terminationLine();
    assertThat(code).as("%s", line).isZero();
    assertThat(line.path("result").asText()).isEqualTo("Stored");
    assertThat(line.path("exportFailure").path("reason").asText()).as("%s", line).isEqualTo("ArchiveUnreadable");
  }

  @Test
  void aPushSecretThatIsNotMountedIsAnExportErrorNamingTheOption() throws IOException {
    int code = node.collect("--export-repository", "127.0.0.1:" + closedPort() + "/forensics/app", "--export-tag", "t",
        "--registry-auth", dir.resolve("push-secret/.dockerconfigjson").toString());

    JsonNode line = node.terminationLine();
    node.assertStored(code, line);
    assertThat(line.path("exportFailure").path("reason").asText()).isEqualTo("ExportError");
    assertThat(line.path("exportFailure").path("message").asText()).startsWith("--registry-auth " + dir
        .resolve("push-secret/.dockerconfigjson") + " is not a file");
  }

  @Test
  void aTagWithoutARepositoryAndARepositoryWithoutATagAreBadConfigurationBeforeAnythingIsStored()
      throws IOException {
    assertThat(node.collect("--export-tag", "t")).isEqualTo(CollectorMain.FAILED);
    assertThat(node.terminationLine().path("reason").asText()).isEqualTo("BadConfiguration");
    assertThat(node.terminationLine().path("message").asText()).contains("need --export-repository");

    assertThat(node.collect("--export-repository", "127.0.0.1:5000/forensics/app")).isEqualTo(CollectorMain.FAILED);
    assertThat(node.terminationLine().path("message").asText()).contains("--export-repository needs --export-tag");
    assertThat(node.storeRoot.resolve(CollectorExportFixture.NAME)).doesNotExist();
  }

  @Test
  void withoutExportOptionsTheLineHasNoExport() throws IOException {
    int code = node.collect();

    JsonNode line = node.terminationLine();
    node.assertStored(code, line);
    assertThat(line.has("export") || line.has("exportFailure")).isFalse();
  }

  /** A loopback port nobody listens on any more. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
