package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.evidence.EvidenceFixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The summary's reader may fail or stall: the copy still reads every byte, and there is no summary. */
class CapturedOverviewTapTest {

  private static final byte[] ARCHIVE = EvidenceFixtures.archive(40 * BoundedPipe.CHUNK_BYTES + 123, 5);

  @Test
  void aReaderThatNeverReadsIsGivenUpAfterItsPatience() throws IOException {
    CountDownLatch never = new CountDownLatch(1);
    CapturedOverviewTap tap = new CapturedOverviewTap(new ByteArrayInputStream(ARCHIVE), in -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }, Duration.ofMillis(200));

    assertThat(tap.readAllBytes()).isEqualTo(ARCHIVE);
    assertThat(tap.overview(Duration.ofMillis(50))).isEmpty();
  }

  @Test
  void aReaderThatFailsLeavesTheCopyWhole() throws IOException {
    List<CapturedOverviewTap.OverviewReader> failing = List.of(in -> {
      in.readNBytes(1000);
      throw new IOException("not a checkpoint");
    }, in -> {
      in.readNBytes(3 * BoundedPipe.CHUNK_BYTES);
      throw new OutOfMemoryError("simulated: an Error too");
    });
    for (CapturedOverviewTap.OverviewReader reader : failing) {
      CapturedOverviewTap tap = new CapturedOverviewTap(new ByteArrayInputStream(ARCHIVE), reader, Duration.ofDays(1));

      assertThat(tap.readAllBytes()).isEqualTo(ARCHIVE);
      assertThat(tap.overview(Duration.ofSeconds(30))).isEmpty();
    }
  }

  @Test
  void aCopyThatStopsMidwayStopsTheReader() throws IOException {
    CapturedOverviewTap tap = new CapturedOverviewTap(new ByteArrayInputStream(ARCHIVE), in -> {
      in.readAllBytes();
      return new io.ckpt.forensics.analysis.CapturedOverview(1, 0, java.util.Optional.empty(), List.of());
    }, Duration.ofDays(1));

    tap.readNBytes(ARCHIVE.length / 2);
    tap.abandon();

    // the reader saw a failure, not an end: a partial archive gives no summary
    assertThat(tap.overview(Duration.ofSeconds(30))).isEmpty();
  }

  @Test
  void skippedBytesReachTheReaderToo() throws IOException {
    CapturedOverviewTap tap = new CapturedOverviewTap(new ByteArrayInputStream(ARCHIVE), in -> {
      assertThat(in.readAllBytes()).isEqualTo(ARCHIVE);
      return new io.ckpt.forensics.analysis.CapturedOverview(1, 0, java.util.Optional.empty(), java.util.List.of());
    }, Duration.ofDays(1));

    tap.readNBytes(10);
    assertThat(tap.skip(5000)).isEqualTo(5000);
    tap.readAllBytes();
    assertThat(tap.overview(Duration.ofSeconds(30))).isPresent();
  }
}
