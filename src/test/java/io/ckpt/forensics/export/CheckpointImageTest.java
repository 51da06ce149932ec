package io.ckpt.forensics.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.TarMember;
import io.ckpt.forensics.lab.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image of a checkpoint archive: layout, layer, config, annotations, and what a hostile archive loses. */
class CheckpointImageTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;
  private static final CheckpointImage.Facts FACTS = new CheckpointImage.Facts("app", Optional.empty(),
      Optional.empty(), Optional.empty());

  /** Byte for byte, so that the config digest, and the image's, is the same in every JVM (Map.of's order is not). */
  @Test
  void theImageConfigIsTheSameBytesEveryTime() throws IOException {
    String diffId = "sha256:" + "ab".repeat(32);

    assertThat(new String(CheckpointImage.imageConfig("arm64", diffId), StandardCharsets.UTF_8)).isEqualTo(
        "{\"architecture\":\"arm64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + diffId + "\"]},\"history\":[{\"created_by\":\"fcp image\",\"comment\":\"a container checkpoint archive,"
        + " sanitized for restore (docs/export.md)\"}]}");
  }

  @Test
  void anOciLayoutWhoseDigestsAndAnnotationsHold() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    Path dir = tmp.resolve("layout");

    CheckpointImage image = CheckpointImage.build(archive, FACTS, dir.getParent());
    OciLayout.write(image, dir, "case-42");

    JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
    assertThat(JSON.readTree(dir.resolve("oci-layout").toFile()).path("imageLayoutVersion").asText()).isEqualTo("1.0.0");
    JsonNode entry = index.path("manifests").get(0);
    assertThat(entry.path("mediaType").asText()).isEqualTo(OciManifest.MEDIA_TYPE);
    assertThat(entry.path("annotations").path("org.opencontainers.image.ref.name").asText()).isEqualTo("case-42");
    String manifestDigest = entry.path("digest").asText();
    assertThat(manifestDigest).isEqualTo(image.manifestDigest());

    byte[] manifestBytes = blob(dir, manifestDigest);
    assertThat(entry.path("size").asLong()).isEqualTo(manifestBytes.length);
    JsonNode manifest = JSON.readTree(manifestBytes);
    assertThat(manifest.path("schemaVersion").asInt()).isEqualTo(2);
    assertThat(manifest.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(JSON.convertValue(manifest.path("annotations"), Map.class)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "io.kubernetes.cri-o.annotations.checkpoint.name", "app",
        "org.criu.checkpoint.container.name", "app",
        "io.kubernetes.cri-o.annotations.checkpoint.rootfsImageName", "docker.io/library/nginx:latest",
        "org.criu.checkpoint.rootfsImageName", "docker.io/library/nginx:latest",
        "org.opencontainers.image.base.name", "docker.io/library/nginx:latest",
        "io.kubernetes.cri-o.annotations.checkpoint.rootfsImageID",
        "a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6",
        "org.criu.checkpoint.rootfsImageID", "a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6"));

    JsonNode configRef = manifest.path("config");
    byte[] config = blob(dir, configRef.path("digest").asText());
    assertThat(configRef.path("size").asLong()).isEqualTo(config.length);
    JsonNode configJson = JSON.readTree(config);
    // the fixture's CRIU images are of an aarch64 process (trustedcr-aarch64-loop2)
    assertThat(configJson.path("architecture").asText()).isEqualTo("arm64");
    assertThat(configJson.path("os").asText()).isEqualTo("linux");

    JsonNode layerRef = manifest.path("layers").get(0);
    assertThat(layerRef.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    byte[] layer = blob(dir, layerRef.path("digest").asText());
    assertThat(layerRef.path("size").asLong()).isEqualTo(layer.length);
    byte[] uncompressed = new GZIPInputStream(new java.io.ByteArrayInputStream(layer)).readAllBytes();
    assertThat(configJson.path("rootfs").path("diff_ids").get(0).asText()).isEqualTo(sha256(uncompressed));

    // the layer holds the archive's members at its root, unchanged where nothing was removed
    Path layerTar = dir.getParent().resolve("layer.tar");
    Files.write(layerTar, uncompressed);
    Map<String, byte[]> original = FixtureArchives.members(FixtureArchives.Flavour.CRIO_OPERATOR);
    try (CheckpointTar tar = CheckpointTar.open(layerTar)) {
      assertThat(tar.members()).extracting(TarMember::name)
          .containsExactlyElementsOf(original.keySet().stream().map(n -> n.replaceAll("/$", "")).toList());
      for (TarMember m : tar.members()) {
        if (m.isFile() && !m.name().equals("spec.dump")) {
          assertThat(tar.readAll(m)).as(m.name()).isEqualTo(original.get(m.name()));
          assertThat(m.mode() & 07000).isZero();
        }
      }
      // the pod ran without seccomp, and CRI-O recorded so: the restoring pod's own profile applies
      JsonNode spec = JSON.readTree(tar.readAll(tar.member("spec.dump").orElseThrow()));
      JsonNode originalSpec = JSON.readTree(original.get("spec.dump"));
      ((com.fasterxml.jackson.databind.node.ObjectNode) originalSpec.path("annotations"))
          .remove("io.kubernetes.cri-o.SeccompProfilePath");
      assertThat(spec).isEqualTo(originalSpec);
    }
    assertThat(image.dropped()).containsExactly(
        "spec.dump annotations[io.kubernetes.cri-o.SeccompProfilePath]: changes the seccomp profile");
    assertThat(Files.exists(image.layerFile())).isFalse(); // moved into the layout
  }

  @Test
  void theOperatorsFactsWinOverTheArchivesAndTheBaseDigestIsTheRepositoryDigest() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    String id = "registry.example.com/shop/app@sha256:" + "ab".repeat(32);
    CheckpointImage image = CheckpointImage.build(archive, new CheckpointImage.Facts("web", Optional.of(
        "registry.example.com/shop/app:1.2"), Optional.of(id), Optional.of("amd64")),
        tmp);
    try {
      assertThat(image.manifest().annotations())
          .containsEntry(CheckpointAnnotations.CRIO_NAME, "web")
          .containsEntry(CheckpointAnnotations.CRIU_ROOTFS_IMAGE_NAME, "registry.example.com/shop/app:1.2")
          .containsEntry(CheckpointAnnotations.CRIU_ROOTFS_IMAGE_ID, id)
          .containsEntry(CheckpointAnnotations.OCI_BASE_DIGEST, "sha256:" + "ab".repeat(32));
      assertThat(JSON.readTree(image.configBytes()).path("architecture").asText()).isEqualTo("amd64");
    } finally {
      image.deleteLayer();
    }
  }

  @Test
  void aHostileArchiveLosesWhatARestoreWouldApplyAndItsLinksAndDevices() throws Exception {
    Map<String, byte[]> members = new LinkedHashMap<>(FixtureArchives.members(FixtureArchives.Flavour.CONTAINERD));
    members.put("spec.dump", RestoreSanitizerTest.HOSTILE_SPEC.getBytes(StandardCharsets.UTF_8));
    members.put("status.dump", "{\"annotations\":{\"cdi.k8s.io/gpu\":\"all\"}}".getBytes(StandardCharsets.UTF_8));
    members.put("config.dump", "{\"id\":\"x\",\"rootfsImageName\":\"nginx:latest\\nInjected: yes\",\"runtime\":\"runc\"}"
        .getBytes(StandardCharsets.UTF_8));
    Path dir = tmp;
    Path archive = dir.resolve("hostile.tar");
    try (OutputStream out = Files.newOutputStream(archive); TarWriter tar = new TarWriter(out)) {
      for (Map.Entry<String, byte[]> e : members.entrySet()) {
        if (e.getKey().endsWith("/")) {
          tar.directory(e.getKey(), 0700, 1706380245L);
        } else {
          tar.file(e.getKey(), 06755, 1706380245L, e.getValue());
        }
      }
      tar.special("checkpoint/escape", '2', "/etc/shadow");
      tar.special("checkpoint/mem", '3', "");
      tar.special("checkpoint/hard", '1', "spec.dump");
    }

    CheckpointImage image = CheckpointImage.build(archive, FACTS, dir);
    Path layout = dir.resolve("layout");
    OciLayout.write(image, layout, "app");

    assertThat(image.dropped()).contains(
        "status.dump annotations[cdi.k8s.io/gpu]: CDI device request, which containerd applied on restore"
            + " (GHSA-33vj-92qq-66hc)",
        "spec.dump hooks: OCI hooks run programs on the restoring node",
        "config.dump rootfsImageName nginx:latest\\u000aInjected: yes: not an image reference, left out of the"
            + " image's annotations",
        "member checkpoint/escape: a symlink; a checkpoint holds only files and directories",
        "member checkpoint/mem: a other; a checkpoint holds only files and directories",
        "member checkpoint/hard: a hardlink; a checkpoint holds only files and directories");
    assertThat(image.manifest().annotations()).doesNotContainKey(CheckpointAnnotations.CRIU_ROOTFS_IMAGE_NAME);

    Path layerTar = dir.resolve("layer.tar");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(
        layout.resolve("blobs/sha256").resolve(image.manifest().layer().digest().substring(7))))) {
      Files.copy(in, layerTar);
    }
    try (CheckpointTar tar = CheckpointTar.open(layerTar)) {
      assertThat(tar.members()).allMatch(m -> m.kind() == TarMember.Kind.FILE || m.kind() == TarMember.Kind.DIRECTORY);
      assertThat(tar.members()).allMatch(m -> (m.mode() & 07000) == 0, "no set-id or sticky bits");
      JsonNode spec = JSON.readTree(tar.readAll(tar.member("spec.dump").orElseThrow()));
      assertThat(spec.has("hooks")).isFalse();
      assertThat(spec.path("annotations").has("cdi.k8s.io/attacker")).isFalse();
      assertThat(new String(tar.readAll(tar.member("status.dump").orElseThrow()), StandardCharsets.UTF_8))
          .doesNotContain("cdi.k8s.io");
      // config.dump is passed on as it was: restore reads the image names from it
      assertThat(tar.readAll(tar.member("config.dump").orElseThrow())).isEqualTo(members.get("config.dump"));
    }
  }

  @Test
  void withoutAWorkDirectoryTheLayerIsStreamedAgainWithTheSameBytesOrRefusedWhenTheArchiveChanged()
      throws Exception {
    Path archive = Files.copy(FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR), tmp.resolve("a.tar"));
    CheckpointImage onDisk = CheckpointImage.build(archive, FACTS, tmp);
    CheckpointImage streamed = CheckpointImage.build(archive, FACTS, null);

    assertThat(streamed.layerFile()).isNull();
    assertThat(streamed.manifestDigest()).isEqualTo(onDisk.manifestDigest());
    java.io.ByteArrayOutputStream layer = new java.io.ByteArrayOutputStream();
    streamed.writeLayerTo(layer);
    assertThat(layer.toByteArray()).isEqualTo(Files.readAllBytes(onDisk.layerFile()));
    assertThat(sha256(layer.toByteArray())).isEqualTo(streamed.manifest().layer().digest());

    long offset;
    try (CheckpointTar tar = CheckpointTar.open(archive)) {
      offset = tar.member("checkpoint/pages-1.img").orElseThrow().dataOffset();
    }
    byte[] changed = Files.readAllBytes(archive);
    changed[(int) offset] ^= 1; // a memory page's byte: the tar stays valid, its content does not
    Files.write(archive, changed);
    assertThatThrownBy(() -> streamed.writeLayerTo(OutputStream.nullOutputStream()))
        .isInstanceOf(UnusableArchiveException.class).hasMessageStartingWith("the archive changed while its image");
    onDisk.deleteLayer();
  }

  @Test
  void refusesWhatIsNotACheckpoint() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.BARE_IMAGES);
    assertThatThrownBy(() -> CheckpointImage.build(archive, FACTS, tmp))
        .isInstanceOf(UnusableArchiveException.class)
        .hasMessage("the archive has no config.dump: not a container checkpoint that CRI-O or containerd can restore");
  }

  @Test
  void refusesAContainerNameThatIsNotADnsLabel() {
    for (String bad : List.of("", "App", "a_b", "a\nb", "x".repeat(64))) {
      assertThatThrownBy(() -> new CheckpointImage.Facts(bad, Optional.empty(), Optional.empty(), Optional.empty()))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a DNS label");
    }
  }

  @Test
  void mapsCriuMachinesToOciArchitectures() {
    assertThat(CheckpointImage.goArch("X86_64")).isEqualTo("amd64");
    assertThat(CheckpointImage.goArch("AARCH64")).isEqualTo("arm64");
    assertThat(CheckpointImage.goArch("VAX")).isEmpty();
  }

  private static byte[] blob(Path layout, String digest) throws Exception {
    byte[] b = Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
    assertThat(sha256(b)).as("blob named by its digest").isEqualTo(digest);
    return b;
  }

  static String sha256(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
