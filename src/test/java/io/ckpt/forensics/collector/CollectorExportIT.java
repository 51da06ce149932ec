package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.evidence.ExportRecord;
import io.ckpt.forensics.evidence.ExportRecordVerifier;
import io.ckpt.forensics.evidence.SigningKey;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.export.CheckpointAnnotations;
import io.ckpt.forensics.export.RegistryServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collect mode pushing the checkpoint image to the distribution registry on loopback (started
 * by {@link RegistryServer}): the termination message's export is what the registry holds, and a
 * refused push leaves the evidence stored with exit code 0.
 */
class CollectorExportIT {

  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;
  CollectorExportFixture node;

  @BeforeEach
  void node() throws Exception {
    node = new CollectorExportFixture(dir);
  }

  @Test
  void thePushedImagesDigestIsInTheTerminationMessageAndTheRegistryAndTheArchiveIsRemovedAfter() throws Exception {
    Path auth = dir.resolve("auth");
    Files.createDirectories(auth);
    Path htpasswd = Files.writeString(auth.resolve("htpasswd"), "pusher:" + OpenBSDBCrypt.generate("2y",
        "push-password".toCharArray(), new byte[16], 10) + "\n");
    try (RegistryServer registry = RegistryServer.start(auth, "",
        "auth:\n  htpasswd:\n    realm: fcp-test\n    path: " + htpasswd + "\n")) {
      String basic = Base64.getEncoder().encodeToString("pusher:push-password".getBytes(StandardCharsets.UTF_8));
      // what a kubernetes.io/dockerconfigjson Secret's .dockerconfigjson holds
      Path secret = Files.writeString(Files.createDirectories(dir.resolve("push-secret")).resolve(".dockerconfigjson"),
          "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + basic + "\"}}}");

      int code = node.collect("--delete-after-store", "--export-repository", registry.host() + "/forensics/app",
          "--export-tag", "dev-app-inc42-app-0", "--registry-auth", secret.toString(), "--export-plain-http");

      JsonNode line = node.terminationLine();
      node.assertStored(code, line);
      JsonNode export = line.path("export");
      String digest = export.path("digest").asText();
      assertThat(digest).as("%s", line).matches("sha256:[0-9a-f]{64}");
      assertThat(export.path("image").asText()).isEqualTo(registry.host() + "/forensics/app:dev-app-inc42-app-0");
      assertThat(export.path("reference").asText()).isEqualTo(registry.host() + "/forensics/app@" + digest);
      assertThat(export.path("exportedAt").asText()).isEqualTo(CollectorExportFixture.NOW.toString());
      assertThat(export.path("droppedAnnotations").isArray()).isTrue();
      assertThat(line.has("exportFailure")).isFalse();
      assertThat(line.path("removedFromNode").asBoolean()).isTrue();
      assertThat(node.archive).doesNotExist();

      HttpResponse<byte[]> manifest = HTTP.send(HttpRequest.newBuilder(registry.url(
          "/v2/forensics/app/manifests/dev-app-inc42-app-0")).header("Accept", OCI_MANIFEST)
          .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(manifest.statusCode()).isEqualTo(200);
      assertThat(manifest.headers().firstValue("Docker-Content-Digest")).contains(digest);
      JsonNode annotations = new ObjectMapper().readTree(manifest.body()).path("annotations");
      assertThat(annotations.path(CheckpointAnnotations.CRIO_NAME).asText()).isEqualTo("app");
      assertThat(annotations.path(CheckpointAnnotations.CRIU_ROOTFS_IMAGE_NAME).asText())
          .isEqualTo("docker.io/library/nginx:latest");

      // the signed export record beside the evidence names the pushed manifest, the custody record and the evidence
      assertThat(export.path("recordLocation").asText())
          .isEqualTo(line.path("location").asText() + EvidenceCollector.EXPORT_RECORD_SUFFIX);
      byte[] exportRecord = Files.readAllBytes(node.storeRoot.resolve(CollectorExportFixture.NAME
          + EvidenceCollector.EXPORT_RECORD_SUFFIX));
      byte[] custodyRecord = Files.readAllBytes(node.storeRoot.resolve(CollectorExportFixture.NAME
          + EvidenceCollector.RECORD_SUFFIX));
      assertThat(new ExportRecordVerifier(SigningKey.load(node.signingKey).verificationKey())
          .verify(exportRecord, custodyRecord, line.path("storedSha256").asText()))
          .hasSize(4).noneMatch(VerificationCheck::failed);
      ExportRecord parsed = ExportRecord.parse(exportRecord);
      assertThat(parsed.manifestDigest()).isEqualTo(digest);
      assertThat(parsed.image()).isEqualTo(registry.host() + "/forensics/app:dev-app-inc42-app-0");
      assertThat(parsed.statement().predicate().plaintext().sha256()).isEqualTo(line.path("sha256").asText());
    }
  }

  @Test
  void anExportRecordThatCannotBeStoredIsAnExportErrorWithTheEvidenceStored() throws Exception {
    try (RegistryServer registry = RegistryServer.start(dir.resolve("open"), "", "")) {
      // the store is write-once: an object already at the export record's name is refused
      Path taken = node.storeRoot.resolve(CollectorExportFixture.NAME + EvidenceCollector.EXPORT_RECORD_SUFFIX);
      Files.createDirectories(taken.getParent());
      Files.writeString(taken, "already here");

      int code = node.collect("--export-repository", registry.host() + "/forensics/app", "--export-tag", "t1",
          "--export-plain-http");

      JsonNode line = node.terminationLine();
      node.assertStored(code, line);
      assertThat(line.has("export")).isFalse();
      assertThat(line.path("exportFailure").path("reason").asText()).isEqualTo("ExportError");
      assertThat(line.path("exportFailure").path("message").asText()).contains("export record could not be stored")
          .contains(registry.host() + "/forensics/app@sha256:");
      assertThat(Files.readString(taken)).isEqualTo("already here");
    }
  }

  @Test
  void aReadOnlyRegistryIsPushRefusedAndTheEvidenceIsStoredWithExitZero() throws Exception {
    try (RegistryServer registry = RegistryServer.start(dir.resolve("ro"),
        "  maintenance:\n    readonly:\n      enabled: true\n", "")) {
      int code = node.collect("--export-repository", registry.host() + "/forensics/app", "--export-tag", "t0",
          "--export-plain-http");

      JsonNode line = node.terminationLine();
      node.assertStored(code, line);
      assertThat(line.path("exportFailure").path("reason").asText()).as("%s", line).isEqualTo("PushRefused");
      assertThat(line.path("exportFailure").path("message").asText()).startsWith("the registry refused the push"
          + " (HTTP 405");
      assertThat(node.archive).exists();
    }
  }
}
