package io.ckpt.forensics.evidence.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * S3 credentials from files in one directory, as a Kubernetes Secret mounted as a volume gives
 * them: {@value #ACCESS_KEY_ID}, {@value #SECRET_ACCESS_KEY} and, for temporary credentials,
 * {@value #SESSION_TOKEN}. Read again on every request, so a rotated Secret takes effect without a
 * restart. Values never reach a message, a log line or {@link #toString()}: errors name the file only.
 */
public final class S3CredentialFiles implements AwsCredentialsProvider {

  public static final String ACCESS_KEY_ID = "access-key-id";
  public static final String SECRET_ACCESS_KEY = "secret-access-key";
  public static final String SESSION_TOKEN = "session-token";

  private final Path directory;

  public S3CredentialFiles(Path directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
  }

  @Override
  public AwsCredentials resolveCredentials() {
    String accessKeyId = read(ACCESS_KEY_ID, true);
    String secretAccessKey = read(SECRET_ACCESS_KEY, true);
    String sessionToken = read(SESSION_TOKEN, false);
    return sessionToken == null
        ? AwsBasicCredentials.create(accessKeyId, secretAccessKey)
        : AwsSessionCredentials.create(accessKeyId, secretAccessKey, sessionToken);
  }

  private String read(String name, boolean required) {
    Path file = directory.resolve(name);
    String value;
    try {
      // a Secret written from a shell often ends with a newline; credentials never contain whitespace
      value = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      if (!required) {
        return null;
      }
      throw SdkClientException.builder().message("S3 credentials: " + file + " does not exist (mount the"
          + " Secret that holds the keys " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY + " at " + directory + ")")
          .build();
    } catch (IOException e) {
      throw SdkClientException.builder().message("S3 credentials: cannot read " + file + " ("
          + e.getClass().getSimpleName() + ")").build();
    }
    if (value.isEmpty()) {
      if (!required) {
        return null;
      }
      throw SdkClientException.builder().message("S3 credentials: " + file + " is empty (the Secret's key "
          + name + " must hold the value)").build();
    }
    return value;
  }

  @Override
  public String toString() {
    return "S3CredentialFiles[" + directory + "]";
  }
}
