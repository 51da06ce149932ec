package io.ckpt.forensics.evidence.store;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and how {@link S3EvidenceStore} stores: the endpoint (empty: AWS's own for the region), the
 * region, the bucket, a key prefix, path-style addressing (needed by most S3-compatible servers
 * and by endpoints without wildcard DNS), the Object Lock retention set on each object (empty: none;
 * the bucket's default retention, if any, then applies), and the multipart part size, which bounds
 * the memory an upload holds (one part).
 */
public record S3StoreSettings(Optional<URI> endpoint, String region, String bucket, String keyPrefix,
    boolean pathStyleAccess, Optional<ObjectLockRetention> retention, int partSizeBytes) {

  /**
   * 8 MiB: 78 GiB at S3's 10,000 parts. The part is the one large buffer of an upload, allocated
   * whole in the collector's 40 MiB heap (CollectorPods.JVM_OPTIONS) beside everything else the
   * collector holds; 16 MiB parts ran out of the earlier 48 MiB heap (CollectorS3IT).
   */
  public static final int DEFAULT_PART_SIZE = 8 << 20;
  /** S3's limit on the parts of one multipart upload. */
  public static final int MAX_PARTS = 10_000;
  /** S3's smallest part (every part but the last). */
  public static final int MIN_PART_SIZE = 5 << 20;
  /** Kept small on purpose: the collector's memory limit. */
  public static final int MAX_PART_SIZE = 64 << 20;

  // S3's bucket naming rules, without the dotted forms that break TLS with virtual-hosted addressing
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
  private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,64}");

  public S3StoreSettings {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(retention, "retention");
    endpoint.ifPresent(S3StoreSettings::requireEndpoint);
    if (region == null || !REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("region must be an S3 region name such as us-east-1 (S3-compatible servers"
          + " usually accept any); got '" + region + "'");
    }
    if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("--")) {
      throw new IllegalArgumentException("bucket must be an S3 bucket name: 3 to 63 lower-case letters, digits and"
          + " single hyphens, starting and ending with a letter or digit; got '" + bucket + "'");
    }
    keyPrefix = keyPrefix == null ? "" : keyPrefix;
    if (!keyPrefix.isEmpty()) {
      if (!keyPrefix.endsWith("/")) {
        keyPrefix = keyPrefix + "/";
      }
      try {
        EvidenceName.require(keyPrefix.substring(0, keyPrefix.length() - 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("keyPrefix: " + e.getMessage(), e);
      }
    }
    if (partSizeBytes < MIN_PART_SIZE || partSizeBytes > MAX_PART_SIZE) {
      throw new IllegalArgumentException("partSizeBytes must be between " + (MIN_PART_SIZE >> 20) + " MiB and "
          + (MAX_PART_SIZE >> 20) + " MiB; got " + partSizeBytes);
    }
  }

  /**
   * The part size for an upload of about {@code expectedBytes} (an archive's size; encryption adds
   * a little): the default, or the smallest whole MiB that keeps the upload within S3's part count
   * with room to spare, at most {@link #MAX_PART_SIZE}.
   */
  public static int partSizeFor(long expectedBytes) {
    long withRoom = expectedBytes + expectedBytes / 64 + (1 << 20);
    long needed = ((withRoom / MAX_PARTS) + (1 << 20)) & ~((1L << 20) - 1);
    return (int) Math.min(MAX_PART_SIZE, Math.max(DEFAULT_PART_SIZE, needed));
  }

  private static void requireEndpoint(URI endpoint) {
    String scheme = endpoint.getScheme();
    if (!("https".equals(scheme) || "http".equals(scheme)) || endpoint.getHost() == null
        || endpoint.getUserInfo() != null || endpoint.getRawQuery() != null) {
      throw new IllegalArgumentException("endpoint must be an http(s) URL with a host and nothing after the port"
          + " but a path, such as https://minio.storage.svc:9000 (credentials go in their own files); got a "
          + (scheme == null ? "URL without a scheme" : scheme + " URL"));
    }
  }

  /** The same settings with another Object Lock retention. */
  public S3StoreSettings withRetention(Optional<ObjectLockRetention> other) {
    return new S3StoreSettings(endpoint, region, bucket, keyPrefix, pathStyleAccess, other, partSizeBytes);
  }
}
