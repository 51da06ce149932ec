package io.ckpt.forensics.evidence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

class S3CredentialFilesTest {

  @TempDir
  Path dir;

  @Test
  void readsTheSecretsFilesWithoutTheirTrailingNewline() throws Exception {
    Files.writeString(dir.resolve("access-key-id"), "AKIAEXAMPLE\n");
    Files.writeString(dir.resolve("secret-access-key"), "secret-value\n");

    AwsCredentials credentials = new S3CredentialFiles(dir).resolveCredentials();

    assertThat(credentials.accessKeyId()).isEqualTo("AKIAEXAMPLE");
    assertThat(credentials.secretAccessKey()).isEqualTo("secret-value");
    assertThat(credentials).isNotInstanceOf(AwsSessionCredentials.class);
  }

  @Test
  void aSessionTokenMakesSessionCredentials() throws Exception {
    Files.writeString(dir.resolve("access-key-id"), "ASIAEXAMPLE");
    Files.writeString(dir.resolve("secret-access-key"), "secret-value");
    Files.writeString(dir.resolve("session-token"), "token-value");

    assertThat(new S3CredentialFiles(dir).resolveCredentials()).isInstanceOfSatisfying(AwsSessionCredentials.class,
        c -> assertThat(c.sessionToken()).isEqualTo("token-value"));
  }

  /** A rotated Secret takes effect at the next request. */
  @Test
  void readsTheFilesAgainEachTime() throws Exception {
    Files.writeString(dir.resolve("access-key-id"), "first");
    Files.writeString(dir.resolve("secret-access-key"), "secret-value");
    S3CredentialFiles files = new S3CredentialFiles(dir);
    files.resolveCredentials();
    Files.writeString(dir.resolve("access-key-id"), "second");

    assertThat(files.resolveCredentials().accessKeyId()).isEqualTo("second");
  }

  @Test
  void aMissingOrEmptyFileIsNamedButNoValueIsShown() throws Exception {
    Files.writeString(dir.resolve("access-key-id"), "AKIAEXAMPLE");
    S3CredentialFiles files = new S3CredentialFiles(dir);

    assertThatThrownBy(files::resolveCredentials)
        .hasMessageContaining(dir.resolve("secret-access-key").toString()).hasMessageContaining("does not exist")
        .message().doesNotContain("AKIAEXAMPLE");
    Files.writeString(dir.resolve("secret-access-key"), " \n");
    assertThatThrownBy(files::resolveCredentials).hasMessageContaining("is empty");
    assertThat(files.toString()).isEqualTo("S3CredentialFiles[" + dir + "]");
  }
}
