package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.store.EvidenceContent;
import io.ckpt.forensics.evidence.store.EvidenceStore;
import io.ckpt.forensics.evidence.store.FilesystemEvidenceStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The pipe between the custody copy and the store: bytes arrive whole, and a failure on either side stops both. */
@Timeout(60) // a side left waiting for the other would hang, not fail
class PipedCustodyUploadTest {

  @TempDir
  Path dir;

  @Test
  void everyByteReachesTheStoreWhichChecksTheCopysDigest() throws IOException {
    byte[] archive = EvidenceFixtures.archive(3 * BoundedPipe.CHUNK_BYTES * BoundedPipe.CHUNKS + 5, 7);

    PipedCustodyUpload.Uploaded uploaded = PipedCustodyUpload.upload(new ByteArrayInputStream(archive),
        archive.length, List.of(), new FilesystemEvidenceStore(dir), "a.tar");

    assertThat(Files.readAllBytes(dir.resolve("a.tar"))).isEqualTo(archive);
    assertThat(uploaded.copy().plaintext()).isEqualTo(Measurement.of(archive));
    assertThat(uploaded.stored().sha256()).isEqualTo(Measurement.of(archive).sha256());
  }

  @Test
  void anArchiveThatFailsMidwayAbortsTheUploadAndSaysItWasTheArchive() throws IOException {
    InputStream failing = new ArchiveInput(new FailingAfter(3 * BoundedPipe.CHUNK_BYTES), Path.of("node/a.tar"));

    assertThatThrownBy(() -> PipedCustodyUpload.upload(failing, 10L << 20, List.of(), new FilesystemEvidenceStore(dir),
        "a.tar"))
        .isInstanceOf(ArchiveReadException.class)
        .hasMessageContaining("reading node/a.tar failed after it was opened (IOException: disk gone)");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).as("nothing left in the store, not even a temporary file").isEmpty();
    }
  }

  @Test
  void aStoreThatFailsStopsTheCopyAndItsFailureIsReported() {
    AtomicLong readFromArchive = new AtomicLong();
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        readFromArchive.incrementAndGet();
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        readFromArchive.addAndGet(len);
        return len;
      }
    };
    EvidenceStore failing = new FailingStore(1 << 20, new IOException("network gone"));

    assertThatThrownBy(() -> PipedCustodyUpload.upload(endless, EvidenceContent.UNKNOWN_LENGTH, List.of(), failing,
        "a.tar")).isInstanceOf(IOException.class).hasMessage("network gone");
    // the copy stopped: it read the store's 1 MiB, what the pipe holds and one copy buffer, not forever
    assertThat(readFromArchive.get()).isLessThan(8L << 20);
  }

  /** Gives zeros, then fails as a disk that went away would. */
  private static final class FailingAfter extends InputStream {
    private long left;

    FailingAfter(long bytes) {
      this.left = bytes;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : 0;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException("disk gone");
      }
      int n = (int) Math.min(len, left);
      left -= n;
      return n;
    }
  }
}
