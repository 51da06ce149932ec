package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.evidence.CustodyCopy;
import io.ckpt.forensics.evidence.OpenPgpDecryption;
import io.ckpt.forensics.evidence.OpenPgpRecipient;
import io.ckpt.forensics.evidence.SigningKey;
import io.ckpt.forensics.evidence.VerificationKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's fresh keys are ones the collector and fcp verify accept, and belong together. */
class DemoKeysTest {

  @TempDir
  Path dir;

  @Test
  void theSigningKeyAndItsPublicHalfNameTheSameKey() throws Exception {
    DemoKeys keys = DemoKeys.generate(dir);

    assertThat(SigningKey.load(keys.signingKey()).verificationKey().keyId())
        .isEqualTo(VerificationKey.load(keys.publicKey()).keyId());
  }

  @Test
  void whatIsEncryptedToTheRecipientKeyDecryptsWithTheSecretKey() throws Exception {
    DemoKeys keys = DemoKeys.generate(dir);
    byte[] archive = "an archive".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream stored = new ByteArrayOutputStream();

    CustodyCopy.Result copy = CustodyCopy.copy(new ByteArrayInputStream(archive), stored,
        OpenPgpRecipient.load(keys.recipientKey()));

    assertThat(copy.recipientFingerprints()).containsExactly(keys.recipientFingerprint());
    try (InputStream plaintext = OpenPgpDecryption.withSecretKeys(List.of(keys.decryptionKey()), new char[0])
        .decrypt(new ByteArrayInputStream(stored.toByteArray()))) {
      assertThat(plaintext.readAllBytes()).isEqualTo(archive);
    }
  }
}
