package io.ckpt.forensics.plugin;

import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How this machine reaches the evidence store, with the user's own access (never the collector's
 * credentials, which stay in the cluster). S3: the AWS SDK's default credentials (AWS_ACCESS_KEY_ID
 * and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and ~/.aws) and these endpoint flags. A filesystem
 * store: the volume mounted here (read-only is enough), at the collector's own path or under
 * --store-root.
 */
final class StoreAccessOptions {

  /** Where the chart mounts the claim in every collector pod (docs/evidence-stores.md). */
  static final String COLLECTOR_MOUNT = "/evidence-store";

  @Option(names = "--s3-endpoint", paramLabel = "URL",
      description = "S3-compatible endpoint, e.g. https://minio.example:9000 (default: AWS S3).")
  URI s3Endpoint;

  @Option(names = "--s3-region", paramLabel = "REGION",
      description = "S3 region (default: AWS_REGION, else us-east-1).")
  String s3Region;

  @Option(names = "--s3-path-style", description = "Path-style S3 addressing (most S3-compatible servers need it).")
  boolean s3PathStyle;

  @Option(names = "--store-root", paramLabel = "DIR",
      description = "Where a filesystem store's volume is mounted on this machine (default: at the collector's own"
          + " path, " + COLLECTOR_MOUNT + ").")
  Path storeRoot;

  @Option(names = "--store-mount", paramLabel = "PATH", defaultValue = COLLECTOR_MOUNT, hidden = true,
      description = "The volume's mount path in the collector pods, mapped onto --store-root.")
  String storeMount;

  String region() {
    if (s3Region != null) {
      return s3Region;
    }
    String env = System.getenv("AWS_REGION");
    return env == null || env.isBlank() ? "us-east-1" : env;
  }
}
