package io.ckpt.forensics.plugin;

import io.ckpt.forensics.analysis.UnsafeCharacters;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Opens a stored object by the location in a ForensicCheckpoint's status ({@code s3://bucket/key} or
 * {@code file:///path}), as this machine's user. Its failures say which access is missing: the
 * S3 action on the object, or the file to mount or make readable.
 */
final class StoreReader implements AutoCloseable {

  private final StoreAccessOptions access;
  private S3Client s3;

  StoreReader(StoreAccessOptions access) {
    this.access = access;
  }

  InputStream open(String location) throws PluginError {
    URI uri;
    try {
      uri = URI.create(location);
    } catch (IllegalArgumentException e) {
      throw new PluginError(PluginExitCode.NOT_FOUND, "the status names no readable location: " + safe(location));
    }
    if ("s3".equals(uri.getScheme())) {
      return openS3(uri);
    }
    if ("file".equals(uri.getScheme())) {
      return openFile(uri);
    }
    throw new PluginError(PluginExitCode.NOT_FOUND, "the status names a location of an unknown kind: " + safe(location));
  }

  /** The local file for a filesystem store's location: the same path, or mapped from the collector's mount onto --store-root. */
  Path localPath(URI uri) throws PluginError {
    Path stored = Path.of(uri.getPath()).normalize();
    if (access.storeRoot == null) {
      return stored;
    }
    Path mount = Path.of(access.storeMount).normalize();
    if (!stored.startsWith(mount)) {
      throw new PluginError(PluginExitCode.NOT_FOUND, "--store-root: " + safe(uri.toString()) + " is not under the"
          + " collector's mount " + mount + " (give --store-mount PATH, where the collector pods mount the volume)");
    }
    return access.storeRoot.resolve(mount.relativize(stored).toString()).normalize();
  }

  private InputStream openFile(URI uri) throws PluginError {
    Path file = localPath(uri);
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new PluginError(PluginExitCode.NOT_FOUND, "cannot read " + safe(uri.toString()) + ": no file " + file
          + " on this machine. A filesystem store is read through its volume: mount it here (read-only is enough)"
          + " and give --store-root DIR, where it is mounted (the collector pods mount it at " + access.storeMount + ")",
          e);
    } catch (AccessDeniedException e) {
      throw new PluginError(PluginExitCode.FORBIDDEN, "cannot read " + file + ": permission denied. Stored files are"
          + " r--r----- (owner and the volume's group): read them as a member of that group", e);
    } catch (IOException e) {
      throw new PluginError(PluginExitCode.UNREACHABLE, "cannot read " + file + ": " + safe(e.getMessage()), e);
    }
  }

  private InputStream openS3(URI uri) throws PluginError {
    String bucket = uri.getHost();
    String key = uri.getPath().replaceFirst("^/", "");
    try {
      return client().getObject(b -> b.bucket(bucket).key(key));
    } catch (S3Exception e) {
      String code = e.awsErrorDetails() == null ? "" : " " + e.awsErrorDetails().errorCode();
      String server = e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null ? ""
          : ": " + safe(e.awsErrorDetails().errorMessage());
      String what = "S3 GetObject of " + safe(uri.toString()) + " refused (HTTP " + e.statusCode() + code + server + ")";
      throw switch (e.statusCode()) {
        case 401, 403 -> new PluginError(PluginExitCode.FORBIDDEN, what + ": your S3 credentials (AWS_ACCESS_KEY_ID,"
            + " AWS_PROFILE) need s3:GetObject on arn:aws:s3:::" + bucket + "/" + safe(key)
            + ", and the KMS key's decrypt right when the bucket encrypts with one", e);
        case 404 -> new PluginError(PluginExitCode.NOT_FOUND, what + ": no such object or bucket at "
            + endpoint() + " (is --s3-endpoint right?)", e);
        default -> new PluginError(PluginExitCode.UNREACHABLE, what, e);
      };
    } catch (SdkClientException e) {
      throw new PluginError(PluginExitCode.UNREACHABLE, "cannot read " + safe(uri.toString()) + " from " + endpoint()
          + ": " + safe(e.getMessage()) + (e.getMessage() != null && e.getMessage().contains("credentials")
              ? " (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)" : ""), e);
    } catch (SdkException e) {
      throw new PluginError(PluginExitCode.UNREACHABLE, "cannot read " + safe(uri.toString()) + ": "
          + safe(e.getMessage()), e);
    }
  }

  private String endpoint() {
    return access.s3Endpoint != null ? access.s3Endpoint.toString() : "AWS S3 in " + access.region();
  }

  private S3Client client() {
    if (s3 == null) {
      var builder = S3Client.builder()
          .httpClient(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
              .socketTimeout(Duration.ofMinutes(2)).build())
          .region(Region.of(access.region()))
          .forcePathStyle(access.s3PathStyle)
          .credentialsProvider(DefaultCredentialsProvider.builder().build());
      if (access.s3Endpoint != null) {
        builder.endpointOverride(access.s3Endpoint);
      }
      s3 = builder.build();
    }
    return s3;
  }

  private static String safe(String text) {
    return UnsafeCharacters.escape(String.valueOf(text));
  }

  @Override
  public void close() {
    if (s3 != null) {
      s3.close();
    }
  }
}
