package io.ckpt.forensics.collector;

import io.ckpt.forensics.analysis.CapturedOverview;
import io.ckpt.forensics.archive.ReadLimits;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The archive's third reader: every byte the custody copy reads through this stream is also handed,
 * through a {@link BoundedPipe}, to a thread that computes the {@link CapturedOverview} (the
 * summary in status) in the same pass. The summary is a courtesy, the copy is the evidence: when
 * the summary fails (a broken or hostile archive, a limit) or keeps the copy waiting longer than
 * its patience in all, the tap stops handing bytes on and the copy goes on alone, without summary.
 */
final class CapturedOverviewTap extends FilterInputStream {

  /**
   * Tighter than the fcp defaults: the collector's heap is 40 MiB, shared with the copy. Metadata
   * and CRIU images of at most 1 MiB each, 4 MiB together; 20 000 members, 1 000 processes.
   */
  static final ReadLimits LIMITS = new ReadLimits(1 << 20, 20_000, 64L << 30, 1000, 1000, 1);
  /** How long, in all, the copy may wait for the summary's reader before the tap gives up on it. */
  static final Duration PATIENCE = Duration.ofSeconds(10);

  private final BoundedPipe pipe;
  private final OutputStream copy;
  private final Thread reader;
  private volatile CapturedOverview overview;
  private boolean teeing = true;

  /** What computes the overview from the bytes handed on. */
  @FunctionalInterface
  interface OverviewReader {
    CapturedOverview read(InputStream archive) throws IOException;
  }

  CapturedOverviewTap(InputStream archive, Path name) {
    this(archive, in -> CapturedOverview.read(in, name, LIMITS), PATIENCE);
  }

  CapturedOverviewTap(InputStream archive, OverviewReader overviewReader, Duration patience) {
    super(archive);
    this.pipe = new BoundedPipe(patience);
    this.copy = pipe.output();
    this.reader = new Thread(() -> {
      try {
        overview = overviewReader.read(pipe.input());
      } catch (Throwable e) { // an Error too (a hostile archive may reach a limit the hard way): no summary
        // the archive's contents are untrusted: its errors are not logged, a missing summary says enough
      } finally {
        pipe.closeReader(); // the tap's next write fails and it stops handing bytes on
      }
    }, "captured-overview");
    reader.setDaemon(true);
    reader.start();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = super.read(b, off, len);
    } catch (IOException | RuntimeException e) {
      stop(e);
      throw e;
    }
    if (n > 0) {
      hand(b, off, n);
    } else if (n < 0) {
      end();
    }
    return n;
  }

  /** Skipped bytes are read, so that the summary sees every byte. */
  @Override
  public long skip(long n) throws IOException {
    byte[] discard = new byte[(int) Math.min(Math.max(n, 0), 8192)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(discard, 0, (int) Math.min(discard.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /**
   * The overview, once the archive was read to its end; empty when the summary failed, was given up,
   * or is not done within {@code wait} after the copy (its thread is a daemon and does not keep the
   * collector alive).
   */
  Optional<CapturedOverview> overview(Duration wait) {
    abandon(); // nothing if the archive was read to its end
    try {
      reader.join(Math.max(1, wait.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return reader.isAlive() ? Optional.empty() : Optional.ofNullable(overview);
  }

  /** The copy stopped before the end: the summary's reader stops too, without summary. */
  void abandon() {
    stop(new IOException("the custody copy stopped before the end of the archive"));
  }

  private void hand(byte[] b, int off, int n) {
    if (!teeing) {
      return;
    }
    try {
      copy.write(b, off, n);
    } catch (IOException | RuntimeException e) {
      stop(e);
    }
  }

  private void end() {
    if (!teeing) {
      return;
    }
    teeing = false;
    try {
      copy.close();
    } catch (IOException | RuntimeException e) {
      pipe.failWriter(e);
    }
  }

  /** No more bytes for the summary: its reader fails at its next read. */
  private void stop(Throwable cause) {
    if (teeing) {
      teeing = false;
      pipe.failWriter(cause);
    }
  }
}
