package io.ckpt.forensics.evidence;

import static io.ckpt.forensics.evidence.EvidenceFixtures.RECIPIENT_A;
import static io.ckpt.forensics.evidence.EvidenceFixtures.RECIPIENT_B;
import static io.ckpt.forensics.evidence.EvidenceFixtures.keyFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CustodyCopyTest {

  private static final byte[] ARCHIVE = EvidenceFixtures.archive(300_000, 12);

  @Test
  void plainCopyStoresTheArchiveAndMeasuresItOnce() throws IOException {
    ByteArrayOutputStream store = new ByteArrayOutputStream();
    CustodyCopy.Result result = CustodyCopy.copy(new ByteArrayInputStream(ARCHIVE), store, List.of());

    assertThat(store.toByteArray()).isEqualTo(ARCHIVE);
    assertThat(result.plaintext()).isEqualTo(Measurement.of(ARCHIVE)).isEqualTo(result.stored());
    assertThat(result.encrypted()).isFalse();
    assertThat(result.recipientFingerprints()).isEmpty();
  }

  @Test
  void encryptedCopyNeverStoresThePlaintextAndDecryptsToIt() throws IOException {
    ByteArrayOutputStream store = new ByteArrayOutputStream();
    CustodyCopy.Result result = CustodyCopy.copy(new ByteArrayInputStream(ARCHIVE), store,
        OpenPgpRecipient.load(keyFile("test-only-recipient-a.pub.asc")));
    byte[] stored = store.toByteArray();

    assertThat(result.plaintext()).isEqualTo(Measurement.of(ARCHIVE));
    assertThat(result.stored()).isEqualTo(Measurement.of(stored));
    assertThat(result.recipientFingerprints()).containsExactly(RECIPIENT_A);
    assertThat(indexOf(stored, Arrays.copyOfRange(ARCHIVE, 1000, 1032))).as("plaintext in the stored form").isEqualTo(-1);
    assertThat(decrypt(stored, "test-only-recipient-a.secret.asc")).isEqualTo(ARCHIVE);
  }

  @Test
  void everyRecipientCanDecryptWhetherItsKeyFileIsArmoredOrBinary() throws IOException {
    ByteArrayOutputStream store = new ByteArrayOutputStream();
    CustodyCopy.Result result = CustodyCopy.copy(new ByteArrayInputStream(ARCHIVE), store, OpenPgpRecipient.loadAll(
        List.of(keyFile("test-only-recipient-a.pub.asc"), keyFile("test-only-recipient-b.pub.gpg"))));

    assertThat(result.recipientFingerprints()).containsExactly(RECIPIENT_A, RECIPIENT_B);
    assertThat(decrypt(store.toByteArray(), "test-only-recipient-a.secret.asc")).isEqualTo(ARCHIVE);
    assertThat(decrypt(store.toByteArray(), "test-only-recipient-b.secret.asc")).isEqualTo(ARCHIVE);
  }

  @Test
  void anAlteredCiphertextFailsTheIntegrityCheck() throws IOException {
    ByteArrayOutputStream store = new ByteArrayOutputStream();
    CustodyCopy.copy(new ByteArrayInputStream(ARCHIVE), store,
        OpenPgpRecipient.load(keyFile("test-only-recipient-a.pub.asc")));
    byte[] stored = store.toByteArray();
    stored[stored.length / 2] ^= 0x01;

    assertThatThrownBy(() -> decrypt(stored, "test-only-recipient-a.secret.asc"))
        .isInstanceOf(IOException.class).hasMessageContaining("integrity check");
  }

  @Test
  void aKeyThatIsNotARecipientSaysWhichKeysAre() throws IOException {
    ByteArrayOutputStream store = new ByteArrayOutputStream();
    CustodyCopy.copy(new ByteArrayInputStream(ARCHIVE), store,
        OpenPgpRecipient.load(keyFile("test-only-recipient-a.pub.asc")));

    assertThatThrownBy(() -> decrypt(store.toByteArray(), "test-only-recipient-b.secret.asc"))
        .isInstanceOf(KeyFileException.class).hasMessageContaining("is a recipient")
        .hasMessageContaining("FC9C0E03B5FFEC83"); // recipient A's encryption subkey ID
  }

  @Test
  void aKeyFileWithoutAKeyIsRefusedWithTheFix() throws IOException {
    java.nio.file.Path notAKey = java.nio.file.Files.createTempFile("not-a-key", ".asc");
    try {
      java.nio.file.Files.writeString(notAKey, "hello\n");
      assertThatThrownBy(() -> OpenPgpRecipient.load(notAKey)).isInstanceOf(KeyFileException.class)
          .hasMessageContaining(notAKey.toString()).hasMessageContaining("gpg --export --armor");
    } finally {
      java.nio.file.Files.delete(notAKey);
    }
  }

  /** The store sees only fixed-size writes: the copy never buffers the archive whole. */
  @Test
  void writesReachTheStoreInBoundedChunksWhateverTheArchiveSize() throws IOException {
    long size = 16L << 20;
    int[] largest = {0};
    long[] total = {0};
    OutputStream store = new OutputStream() {
      @Override
      public void write(int b) {
        total[0]++;
      }

      @Override
      public void write(byte[] b, int off, int len) {
        largest[0] = Math.max(largest[0], len);
        total[0] += len;
      }
    };
    CustodyCopy.Result result = CustodyCopy.copy(new GeneratedArchive(size), store,
        OpenPgpRecipient.load(keyFile("test-only-recipient-a.pub.asc")));

    assertThat(result.plaintext().size()).isEqualTo(size);
    assertThat(result.stored().size()).isEqualTo(total[0]).isGreaterThan(size);
    assertThat(largest[0]).isLessThanOrEqualTo(1 << 17);
  }

  static byte[] decrypt(byte[] stored, String secretKey) throws IOException {
    OpenPgpDecryption decryption = OpenPgpDecryption.withSecretKeys(List.of(keyFile(secretKey)), new char[0]);
    try (InputStream in = decryption.decrypt(new ByteArrayInputStream(stored))) {
      return in.readAllBytes();
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
