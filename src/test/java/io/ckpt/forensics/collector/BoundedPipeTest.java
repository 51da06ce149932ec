package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.evidence.EvidenceFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pipe itself: its chunks are reused, and reuse never lets the writer overwrite bytes not yet read. */
@Timeout(60) // a side left waiting for the other would hang, not fail
class BoundedPipeTest {

  @Test
  void chunksAreReusedAndEveryByteArrivesUnchanged() throws Exception {
    int chunks = 40 * BoundedPipe.CHUNKS;
    byte[] source = EvidenceFixtures.archive(chunks * BoundedPipe.CHUNK_BYTES + 17, 11);
    BoundedPipe pipe = new BoundedPipe();
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try (OutputStream out = pipe.output()) {
        // odd write sizes, so writes straddle chunk boundaries
        for (int off = 0; off < source.length; off += 70_001) {
          out.write(source, off, Math.min(70_001, source.length - off));
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    byte[] received;
    try (InputStream in = pipe.input()) {
      received = readSlowly(in, source.length);
    }
    writer.get();

    assertThat(received).hasSameSizeAs(source);
    assertThat(Arrays.mismatch(received, source)).as("the first byte that differs (-1: none)").isEqualTo(-1);
    assertThat(pipe.chunksAllocated()).as("chunks allocated for %d chunks of data", chunks)
        .isLessThanOrEqualTo(BoundedPipe.CHUNKS + 2);
  }

  /** Reads in small pieces, so the writer is often ahead with a full queue and would reuse too early if it could. */
  private static byte[] readSlowly(InputStream in, int expected) throws IOException {
    byte[] all = new byte[expected + 1];
    int total = 0;
    int n;
    while ((n = in.read(all, total, Math.min(4096, all.length - total))) > 0) {
      total += n;
    }
    assertThat(n).as("the end of the stream after %d bytes", total).isEqualTo(-1);
    byte[] exact = new byte[total];
    System.arraycopy(all, 0, exact, 0, total);
    return exact;
  }
}
