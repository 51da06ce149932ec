package io.ckpt.forensics.evidence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FilesystemEvidenceStoreTest {

  @TempDir
  Path root;

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static EvidenceContent content(String text) throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return EvidenceContent.of(new ByteArrayInputStream(bytes), bytes.length, sha256(bytes));
  }

  /** Every file under the root, hidden temporary files included. */
  private List<Path> files() throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
    }
  }

  @Test
  void storesReadOnlyUnderItsNameAndReadsBack() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);

    StoredEvidence stored = store.store("dev/inc42/nettools.tar", content("archive bytes"));

    Path file = root.resolve("dev/inc42/nettools.tar");
    assertThat(stored.location()).isEqualTo(file.toUri().toString()).startsWith("file:///");
    assertThat(stored.sha256()).isEqualTo(sha256("archive bytes".getBytes(StandardCharsets.UTF_8)));
    assertThat(stored.sizeBytes()).isEqualTo(13);
    assertThat(stored.versionId()).isEmpty();
    assertThat(Files.readString(file)).isEqualTo("archive bytes");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--r-----");
    assertThat(files()).containsExactly(Path.of("dev/inc42/nettools.tar"));
    try (InputStream in = store.open("dev/inc42/nettools.tar")) {
      assertThat(in.readAllBytes()).asString(StandardCharsets.UTF_8).isEqualTo("archive bytes");
    }
  }

  @Test
  void neverReplacesAnExistingFile() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);
    store.store("c.tar", content("first"));

    assertThatThrownBy(() -> store.store("c.tar", content("second")))
        .isInstanceOf(EvidenceExistsException.class)
        .hasMessageContaining(root.resolve("c.tar").toUri().toString());
    assertThat(Files.readString(root.resolve("c.tar"))).isEqualTo("first");
    assertThat(files()).containsExactly(Path.of("c.tar"));
  }

  /**
   * A file that appears under the name while the content streams (another writer, or a planted
   * file) is not replaced: the commit is a hard link, which fails on an existing name, where a
   * rename would silently replace it.
   */
  @Test
  void aFileCreatedDuringTheWriteIsNotReplaced() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);
    byte[] bytes = "ours".getBytes(StandardCharsets.UTF_8);
    InputStream plantsAtEnd = new FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n == -1 && !Files.exists(root.resolve("c.tar"))) {
          Files.writeString(root.resolve("c.tar"), "planted");
        }
        return n;
      }
    };

    assertThatThrownBy(() -> store.store("c.tar", EvidenceContent.of(plantsAtEnd, bytes.length, sha256(bytes))))
        .isInstanceOf(EvidenceExistsException.class);
    assertThat(Files.readString(root.resolve("c.tar"))).isEqualTo("planted");
    assertThat(files()).as("the temporary file is gone").containsExactly(Path.of("c.tar"));
  }

  @Test
  void aWrongExpectedDigestLeavesNothing() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);
    byte[] bytes = "archive".getBytes(StandardCharsets.UTF_8);
    String wrong = sha256("other".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> store.store("dev/c.tar", EvidenceContent.of(new ByteArrayInputStream(bytes),
        bytes.length, wrong)))
        .isInstanceOf(EvidenceDigestMismatchException.class)
        .hasMessageContaining(wrong).hasMessageContaining(sha256(bytes)).hasMessageContaining("nothing was stored");
    assertThat(files()).isEmpty();
  }

  @Test
  void aLengthOtherThanDeclaredLeavesNothing() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);
    byte[] bytes = "archive".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> store.store("c.tar", EvidenceContent.of(new ByteArrayInputStream(bytes), 100,
        sha256(bytes))))
        .isInstanceOf(EvidenceDigestMismatchException.class).hasMessageContaining("100 were declared");
    assertThat(files()).isEmpty();
  }

  @Test
  void aFailingSourceLeavesNoTemporaryFile() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);
    InputStream failing = new FilterInputStream(new GeneratedBytes(1, 3L << 20)) {
      private long read;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (read > (2 << 20)) {
          throw new IOException("node disk read error");
        }
        int n = super.read(b, off, len);
        read += Math.max(n, 0);
        return n;
      }
    };

    assertThatThrownBy(() -> store.store("c.tar", EvidenceContent.of(failing, 3L << 20,
        GeneratedBytes.sha256(1, 3L << 20))))
        .isInstanceOf(IOException.class).hasMessageContaining("node disk read error");
    assertThat(files()).isEmpty();
  }

  /** The collector's way: it hashes as the store reads, and gives its result after the last byte. */
  @Test
  void theExpectedDigestMayBeComputedAlongside() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);
    DigestInputStream source = new DigestInputStream(new GeneratedBytes(2, 5_000_000),
        MessageDigest.getInstance("SHA-256"));

    StoredEvidence stored = store.store("big.tar", EvidenceContent.hashedAlongside(source,
        EvidenceContent.UNKNOWN_LENGTH, () -> HexFormat.of().formatHex(source.getMessageDigest().digest())));

    assertThat(stored.sha256()).isEqualTo(GeneratedBytes.sha256(2, 5_000_000));
    assertThat(stored.sizeBytes()).isEqualTo(5_000_000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../escape.tar", "/abs.tar", "dev//c.tar", ".hidden.tar", "dev/./c.tar", "dev/..",
      "sp ace.tar", "new\nline", ""})
  void refusesNamesOutsideTheRules(String name) throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);

    assertThatThrownBy(() -> store.store(name, content("x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evidence name");
    assertThat(files()).isEmpty();
  }

  @Test
  void aMissingDirectoryIsNamedWithTheFix() throws Exception {
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root.resolve("not-mounted"));

    assertThatThrownBy(() -> store.store("c.tar", content("x")))
        .isInstanceOf(EvidenceStoreException.class)
        .hasMessageContaining(root.resolve("not-mounted").toString()).hasMessageContaining("mount");
  }

  @Test
  void aFileInPlaceOfADirectoryIsRefused() throws Exception {
    Files.writeString(root.resolve("dev"), "not a directory");
    FilesystemEvidenceStore store = new FilesystemEvidenceStore(root);

    assertThatThrownBy(() -> store.store("dev/c.tar", content("x")))
        .isInstanceOf(EvidenceStoreException.class).hasMessageContaining("not a directory");
  }
}
