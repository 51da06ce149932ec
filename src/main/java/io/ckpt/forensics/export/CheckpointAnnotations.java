package io.ckpt.forensics.export;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The manifest annotations of a checkpoint image: the names the runtimes look for to know that an
 * image is a checkpoint, and the image the container ran. Both runtimes read them from the manifest
 * (or the index the tag points to); docs/export.md says where each comes from.
 */
public final class CheckpointAnnotations {

  /** CRI-O restores from an image only when its status carries this annotation (pkg/annotations/checkpoint.go). */
  public static final String CRIO_NAME = "io.kubernetes.cri-o.annotations.checkpoint.name";
  public static final String CRIO_ROOTFS_IMAGE_NAME = "io.kubernetes.cri-o.annotations.checkpoint.rootfsImageName";
  public static final String CRIO_ROOTFS_IMAGE_ID = "io.kubernetes.cri-o.annotations.checkpoint.rootfsImageID";
  /**
   * containerd (internal/cri/server/container_checkpoint_linux.go) looks for checkpointctl's
   * CheckpointAnnotationName, which checkpointctl's lib/metadata.go now defines as this name; checkpointctl
   * build writes it and the rootfs names below.
   */
  public static final String CRIU_NAME = "org.criu.checkpoint.container.name";
  public static final String CRIU_ROOTFS_IMAGE_NAME = "org.criu.checkpoint.rootfsImageName";
  public static final String CRIU_ROOTFS_IMAGE_ID = "org.criu.checkpoint.rootfsImageID";
  /** The OCI image-spec's own names for the image this one derives from. */
  public static final String OCI_BASE_NAME = "org.opencontainers.image.base.name";
  public static final String OCI_BASE_DIGEST = "org.opencontainers.image.base.digest";

  private CheckpointAnnotations() {
  }

  /** The annotations for a checkpoint of container {@code name} that ran {@code rootfsImageName}. */
  public static Map<String, String> of(String name, Optional<String> rootfsImageName, Optional<String> rootfsImageId) {
    Map<String, String> a = new TreeMap<>();
    a.put(CRIO_NAME, name);
    a.put(CRIU_NAME, name);
    rootfsImageName.ifPresent(n -> {
      a.put(CRIO_ROOTFS_IMAGE_NAME, n);
      a.put(CRIU_ROOTFS_IMAGE_NAME, n);
      a.put(OCI_BASE_NAME, n);
    });
    rootfsImageId.ifPresent(id -> {
      a.put(CRIO_ROOTFS_IMAGE_ID, id);
      a.put(CRIU_ROOTFS_IMAGE_ID, id);
      // repository@sha256:... names the manifest; a bare sha256: ID may be the image config's digest
      int at = id.lastIndexOf("@sha256:");
      if (at >= 0 && id.substring(at + 1).matches("sha256:[0-9a-f]{64}")) {
        a.put(OCI_BASE_DIGEST, id.substring(at + 1));
      }
    });
    return a;
  }
}
