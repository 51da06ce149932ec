package io.ckpt.forensics.analysis;

import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.OpenSocket;
import io.ckpt.forensics.archive.ReadLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The few lines that say what an archive captured: how many processes, how many listening sockets,
 * the architecture, and the {@link SuspiciousSigns}. {@code fcp summary} shows them and the collector
 * reports them in status; both compute them here from a {@link CheckpointReport}, so they agree.
 *
 * @param architecture of the first process; empty when the dump has no process
 */
public record CapturedOverview(int processes, int listeningSockets, Optional<String> architecture,
    List<String> signs) {

  public CapturedOverview {
    signs = List.copyOf(signs);
  }

  /** The overview of a report (which may lack command lines: nothing here depends on them). */
  public static CapturedOverview of(CheckpointReport report) {
    int listening = 0;
    for (CheckpointReport.Process p : report.processes()) {
      for (OpenSocket s : p.task().sockets()) {
        if (s.listening()) {
          listening++;
        }
      }
    }
    Optional<String> architecture = report.processes().stream().findFirst().map(p -> p.task().architecture());
    return new CapturedOverview(report.processes().size(), listening, architecture, SuspiciousSigns.of(report));
  }

  /**
   * Reads the archive once from {@code in} (to its end; not closed here), keeping only metadata and
   * CRIU images within {@code limits}, and gives its overview.
   *
   * @throws IOException when the stream fails, or the archive is not a readable checkpoint within the limits
   */
  public static CapturedOverview read(InputStream in, Path name, ReadLimits limits) throws IOException {
    try (CheckpointTar tar = CheckpointTar.streamed(in, name, limits)) {
      return of(CheckpointReport.readWithoutProcessText(tar));
    }
  }
}
