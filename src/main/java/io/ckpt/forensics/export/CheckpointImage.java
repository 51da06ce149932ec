package io.ckpt.forensics.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import io.ckpt.forensics.archive.CheckpointImages;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.CheckpointedProcess;
import io.ckpt.forensics.archive.TarMember;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A checkpoint archive as an OCI image, built in one pass over the archive: one gzip layer holding the
 * archive's members at the root (what {@code buildah add CTR ARCHIVE /} makes, and what CRI-O and
 * containerd unpack on restore) with its restore metadata sanitized ({@link RestoreSanitizer}), an
 * image config for the architecture the processes ran on, and a manifest with the runtimes'
 * checkpoint annotations ({@link CheckpointAnnotations}). The layer is a file in a work directory;
 * nothing else is held in memory but the small metadata members.
 */
public final class CheckpointImage {

  /** More than this many removals are summed up in one last entry: status has to stay small. */
  public static final int MAX_DROPPED_LISTED = 50;
  private static final int MAX_REFERENCE = 512;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What the image says about the checkpoint, from someone who knows: the operator passes the pod's
   * status, fcp its options. An empty rootfs image name or ID is taken from the archive's config.dump.
   *
   * @param containerName the container's name (a DNS label), for the runtimes' checkpoint.name annotations
   * @param architecture GOARCH of the processes (amd64, arm64...); empty: from the archive's CRIU core images
   */
  public record Facts(String containerName, Optional<String> rootfsImageName, Optional<String> rootfsImageId,
      Optional<String> architecture) {

    public Facts {
      if (!containerName.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException("container name " + RestoreSanitizer.quoted(containerName)
            + " is not a DNS label (lower-case letters, digits and -, at most 63)");
      }
    }
  }

  private final Path archive;
  private final Path layerFile;
  private final OciManifest manifest;
  private final byte[] manifestBytes;
  private final String manifestDigest;
  private final byte[] configBytes;
  private final String diffId;
  private final List<String> dropped;

  private CheckpointImage(Path archive, Path layerFile, OciManifest manifest, byte[] configBytes, String diffId,
      List<String> dropped) throws IOException {
    this.archive = archive;
    this.layerFile = layerFile;
    this.manifest = manifest;
    this.manifestBytes = JsonTemplateMapper.toByteArray(manifest);
    this.manifestDigest = "sha256:" + HexFormat.of().formatHex(sha256().digest(manifestBytes));
    this.configBytes = configBytes;
    this.diffId = diffId;
    this.dropped = dropped;
  }

  /**
   * Builds the image of {@code archive}, writing its layer into {@code workDir} (which must exist);
   * with {@code workDir} null nothing is written: the layer's digests come from a first pass, and
   * {@link #writeLayerTo} reads the archive again (a push needs the digest before the upload, and
   * a layer file as large as the archive may not fit where the pusher runs).
   */
  public static CheckpointImage build(Path archive, Facts facts, Path workDir) throws IOException {
    try (CheckpointTar tar = CheckpointTar.open(archive)) {
      for (String required : List.of("config.dump", "spec.dump")) {
        if (tar.member(required).filter(TarMember::isFile).isEmpty()) {
          throw new UnusableArchiveException("the archive has no " + required + ": not a container checkpoint that"
              + " CRI-O or containerd can restore");
        }
      }
      List<String> dropped = new ArrayList<>();
      JsonNode config = JSON.readTree(tar.readAll(tar.member("config.dump").orElseThrow()));
      Optional<String> rootfsName = facts.rootfsImageName()
          .or(() -> fromArchive(config, "rootfsImageName", dropped));
      Optional<String> rootfsId = facts.rootfsImageId().or(() -> fromArchive(config, "rootfsImageRef", dropped));
      String architecture = facts.architecture().orElseGet(() -> architecture(tar));
      if (architecture.isEmpty()) {
        throw new UnusableArchiveException("the archive's CRIU images name no process architecture: give it"
            + " (--architecture amd64, arm64, ...)");
      }

      Path layerFile = workDir == null ? null : Files.createTempFile(workDir, "layer-", ".tar.gz");
      LayerDigests layer;
      try (OutputStream sink = layerFile == null ? OutputStream.nullOutputStream()
          : new BufferedOutputStream(Files.newOutputStream(layerFile), 1 << 16)) {
        layer = writeLayer(tar, sink, dropped);
      } catch (IOException | RuntimeException e) {
        if (layerFile != null) {
          Files.deleteIfExists(layerFile);
        }
        throw e;
      }
      String diffId = layer.diffId();
      byte[] configBytes = imageConfig(architecture, diffId);
      OciManifest manifest = new OciManifest(
          new OciManifest.Descriptor(OciManifest.CONFIG_MEDIA_TYPE,
              "sha256:" + HexFormat.of().formatHex(sha256().digest(configBytes)), configBytes.length),
          new OciManifest.Descriptor(OciManifest.LAYER_MEDIA_TYPE, layer.digest(), layer.size()),
          CheckpointAnnotations.of(facts.containerName(), rootfsName, rootfsId));
      return new CheckpointImage(archive, layerFile, manifest, configBytes, diffId, capped(dropped));
    }
  }

  /** The digests and size of a layer as written. */
  private record LayerDigests(String digest, String diffId, long size) {
  }

  /**
   * Writes the gzip layer of {@code tar} to {@code sink} (left open), adding what the sanitizer
   * removed to {@code dropped}. The same archive always gives the same bytes: gzip at a fixed level
   * with no time or name in its header, members in archive order with their own times.
   */
  private static LayerDigests writeLayer(CheckpointTar tar, OutputStream sink, List<String> dropped)
      throws IOException {
    MessageDigest compressed = sha256();
    MessageDigest uncompressed = sha256();
    long[] compressedSize = new long[1];
    OutputStream counting = new java.io.FilterOutputStream(new DigestOutputStream(sink, compressed)) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        compressedSize[0] += len;
      }

      @Override
      public void write(int b) throws IOException {
        out.write(b);
        compressedSize[0]++;
      }

      @Override
      public void close() throws IOException {
        flush(); // the sink belongs to the caller
      }
    };
    try (GZIPOutputStream gzip = new GZIPOutputStream(counting, 1 << 16) {
          {
            // memory pages compress well even at the fastest level; speed matters for GiB archives
            def.setLevel(Deflater.BEST_SPEED);
          }
        };
        LayerTarWriter layer = new LayerTarWriter(new DigestOutputStream(gzip, uncompressed))) {
      for (TarMember m : tar.members()) {
        switch (m.kind()) {
          case DIRECTORY -> layer.directory(m.name(), m.mtimeSeconds());
          case FILE -> {
            if (RestoreSanitizer.MEMBERS.contains(m.name())) {
              RestoreSanitizer.Result clean = RestoreSanitizer.sanitize(m.name(), tar.readAll(m));
              dropped.addAll(clean.dropped());
              layer.file(m.name(), clean.content(), m.mode(), m.mtimeSeconds());
            } else {
              try (InputStream data = tar.openStream(m)) {
                layer.file(m.name(), m.size(), m.mode(), m.mtimeSeconds(), data);
              }
            }
          }
          default -> dropped.add("member " + RestoreSanitizer.quoted(m.name()) + ": a "
              + m.kind().name().toLowerCase(Locale.ROOT) + "; a checkpoint holds only files and directories");
        }
      }
    }
    return new LayerDigests("sha256:" + HexFormat.of().formatHex(compressed.digest()),
        "sha256:" + HexFormat.of().formatHex(uncompressed.digest()), compressedSize[0]);
  }

  /**
   * The layer's bytes: the file {@link #build} wrote, or, for an image built without a work
   * directory, the archive read again; an archive that changed since is refused (the registry would
   * also refuse a blob whose digest differs from the one announced).
   */
  public void writeLayerTo(OutputStream out) throws IOException {
    if (layerFile != null) {
      Files.copy(layerFile, out);
      return;
    }
    LayerDigests again;
    try (CheckpointTar tar = CheckpointTar.open(archive)) {
      again = writeLayer(tar, out, new ArrayList<>());
    }
    if (!again.digest().equals(manifest.layer().digest())) {
      throw new UnusableArchiveException("the archive changed while its image was pushed: its layer is now "
          + again.digest() + ", not " + manifest.layer().digest());
    }
  }

  /** A value config.dump gives, when it reads as an image reference; otherwise left out and said why. */
  private static Optional<String> fromArchive(JsonNode config, String field, List<String> dropped) {
    String value = config.path(field).asText("");
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.length() > MAX_REFERENCE || !value.matches("[A-Za-z0-9._:/@+-]+")) {
      dropped.add("config.dump " + field + " " + RestoreSanitizer.quoted(value) + ": not an image reference, left out"
          + " of the image's annotations");
      return Optional.empty();
    }
    return Optional.of(value);
  }

  /** The GOARCH of the first process's CRIU core image; empty when there is none. */
  private static String architecture(CheckpointTar tar) {
    try {
      Optional<CheckpointImages> images = CheckpointImages.of(tar);
      if (images.isEmpty()) {
        return "";
      }
      List<CheckpointedProcess> processes = images.get().processes();
      return processes.isEmpty() ? "" : goArch(processes.get(0).architecture());
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** CRIU's core.mtype as an OCI platform architecture. */
  static String goArch(String criuMachine) {
    return switch (criuMachine) {
      case "X86_64" -> "amd64";
      case "AARCH64" -> "arm64";
      case "PPC64" -> "ppc64le";
      case "S390" -> "s390x";
      case "ARM" -> "arm";
      case "MIPS" -> "mips64le";
      case "RISCV64" -> "riscv64";
      case "LOONGARCH64" -> "loong64";
      default -> "";
    };
  }

  /**
   * The image's config. Every map is ordered: its bytes are hashed into the config digest and so
   * into the image's, and Map.of iterates in an order that changes from one JVM to the next, which
   * gave the same archive two image digests in two runs.
   */
  static byte[] imageConfig(String architecture, String diffId) throws IOException {
    Map<String, Object> rootfs = new LinkedHashMap<>();
    rootfs.put("type", "layers");
    rootfs.put("diff_ids", List.of(diffId));
    Map<String, Object> history = new LinkedHashMap<>();
    history.put("created_by", "fcp image");
    history.put("comment", "a container checkpoint archive, sanitized for restore (docs/export.md)");
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", architecture);
    config.put("os", "linux");
    config.put("config", Map.of());
    config.put("rootfs", rootfs);
    config.put("history", List.of(history));
    return JSON.writeValueAsBytes(config);
  }

  private static List<String> capped(List<String> dropped) {
    if (dropped.size() <= MAX_DROPPED_LISTED) {
      return List.copyOf(dropped);
    }
    List<String> listed = new ArrayList<>(dropped.subList(0, MAX_DROPPED_LISTED - 1));
    listed.add("... and " + (dropped.size() - MAX_DROPPED_LISTED + 1) + " more removals");
    return List.copyOf(listed);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The gzip layer, in the work directory; {@link #deleteLayer()} removes it. Null when built without one. */
  public Path layerFile() {
    return layerFile;
  }

  public OciManifest manifest() {
    return manifest;
  }

  /** The manifest exactly as pushed and stored. */
  public byte[] manifestBytes() {
    return manifestBytes.clone();
  }

  /** sha256:... of {@link #manifestBytes()}: the image's digest. */
  public String manifestDigest() {
    return manifestDigest;
  }

  public byte[] configBytes() {
    return configBytes.clone();
  }

  /** sha256:... of the uncompressed layer, as the config's rootfs.diff_ids lists it. */
  public String diffId() {
    return diffId;
  }

  /** What the sanitizer removed, "where: why", at most {@link #MAX_DROPPED_LISTED} entries. */
  public List<String> dropped() {
    return dropped;
  }

  public void deleteLayer() throws IOException {
    if (layerFile != null) {
      Files.deleteIfExists(layerFile);
    }
  }
}
