package io.ckpt.forensics.export;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OCI image manifest with annotations, which Jib's own manifest templates cannot carry: the
 * runtimes recognise a checkpoint image only by its manifest annotations. Jib's registry client
 * serializes it with the same mapper that {@link CheckpointImage} hashes, so the digest fcp reports is
 * the one the registry stores.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({"schemaVersion", "mediaType", "config", "layers", "annotations"})
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public final class OciManifest implements ManifestTemplate {

  public static final String MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
  public static final String CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
  public static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

  private final int schemaVersion = 2;
  private final String mediaType = MEDIA_TYPE;
  private final Descriptor config;
  private final List<Descriptor> layers;
  private final Map<String, String> annotations;

  /** A content descriptor: media type, digest and size of a blob. */
  @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
      isGetterVisibility = JsonAutoDetect.Visibility.NONE)
  @JsonPropertyOrder({"mediaType", "digest", "size"})
  public record Descriptor(String mediaType, String digest, long size) {
  }

  OciManifest(Descriptor config, Descriptor layer, Map<String, String> annotations) {
    this.config = config;
    this.layers = List.of(layer);
    this.annotations = new TreeMap<>(annotations);
  }

  @Override
  public int getSchemaVersion() {
    return schemaVersion;
  }

  @Override
  public String getManifestMediaType() {
    return mediaType;
  }

  public Descriptor config() {
    return config;
  }

  public Descriptor layer() {
    return layers.get(0);
  }

  public Map<String, String> annotations() {
    return annotations;
  }
}
