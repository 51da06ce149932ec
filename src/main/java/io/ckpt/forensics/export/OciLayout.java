package io.ckpt.forensics.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a checkpoint image as an OCI image layout directory (image-spec image-layout.md): what
 * {@code skopeo copy oci:DIR:TAG ...}, {@code ctr images import} of its tar, or {@code crane push} take.
 * The directory must not exist yet: evidence tools never write into what is already there.
 */
public final class OciLayout {

  private static final ObjectMapper JSON = new ObjectMapper();

  private OciLayout() {
  }

  /** Writes {@code image} to the new directory {@code dir}, tagged {@code tag} in index.json; moves the layer there. */
  public static void write(CheckpointImage image, Path dir, String tag) throws IOException {
    Files.createDirectory(dir);
    Path blobs = Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
    Files.move(image.layerFile(), blob(blobs, image.manifest().layer().digest()));
    Files.write(blob(blobs, image.manifest().config().digest()), image.configBytes(), StandardOpenOption.CREATE_NEW);
    Files.write(blob(blobs, image.manifestDigest()), image.manifestBytes(), StandardOpenOption.CREATE_NEW);

    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("org.opencontainers.image.ref.name", tag);
    // containerd reads the checkpoint annotations from what its image record points to: the manifest
    // once imported, but repeating them on the index entry costs nothing
    annotations.putAll(image.manifest().annotations());
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("mediaType", OciManifest.MEDIA_TYPE);
    entry.put("digest", image.manifestDigest());
    entry.put("size", image.manifestBytes().length);
    entry.put("annotations", annotations);
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    index.put("manifests", List.of(entry));
    Files.write(dir.resolve("oci-layout"), JSON.writeValueAsBytes(Map.of("imageLayoutVersion", "1.0.0")),
        StandardOpenOption.CREATE_NEW);
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index), StandardOpenOption.CREATE_NEW);
  }

  private static Path blob(Path blobs, String digest) {
    return blobs.resolve(digest.substring("sha256:".length()));
  }
}
