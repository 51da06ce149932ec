package io.ckpt.forensics.analysis;

import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.FileChanges;
import io.ckpt.forensics.archive.FileChangesReader;
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
 * @param filesWritten entries of rootfs-diff.tar
 * @param filesDeleted paths in deleted.files
 * @param filesInTmpfs entries of the tmpfs images
 * @param topFiles the file changes to see first ({@link FileChangeSigns#topEntries}), at most {@value #TOP_FILES}
 */
public record CapturedOverview(int processes, int listeningSockets, Optional<String> architecture,
    List<String> signs, long filesWritten, long filesDeleted, long filesInTmpfs, List<String> topFiles) {

  /** File changes named in an overview. */
  public static final int TOP_FILES = 5;

  public CapturedOverview {
    signs = List.copyOf(signs);
    topFiles = List.copyOf(topFiles);
  }

  /** An overview without file changes. */
  public CapturedOverview(int processes, int listeningSockets, Optional<String> architecture, List<String> signs) {
    this(processes, listeningSockets, architecture, signs, 0, 0, 0, List.of());
  }

  /** The overview of a report (which may lack command lines: nothing here depends on them). */
  public static CapturedOverview of(CheckpointReport report) {
    return of(report, FileChanges.NONE);
  }

  /** The overview of a report and the file changes read with it (their signs follow the processes'). */
  public static CapturedOverview of(CheckpointReport report, FileChanges files) {
    int listening = 0;
    for (CheckpointReport.Process p : report.processes()) {
      for (OpenSocket s : p.task().sockets()) {
        if (s.listening()) {
          listening++;
        }
      }
    }
    Optional<String> architecture = report.processes().stream().findFirst().map(p -> p.task().architecture());
    List<String> signs = new java.util.ArrayList<>(SuspiciousSigns.of(report));
    signs.addAll(FileChangeSigns.of(files, report.processes()));
    return new CapturedOverview(report.processes().size(), listening, architecture, signs, files.written(),
        files.deleted(), files.tmpfs(), FileChangeSigns.topEntries(files, TOP_FILES));
  }

  /**
   * Reads the archive once from {@code in} (to its end; not closed here), keeping only metadata and
   * CRIU images within {@code limits}, and gives its overview.
   *
   * @throws IOException when the stream fails, or the archive is not a readable checkpoint within the limits
   */
  public static CapturedOverview read(InputStream in, Path name, ReadLimits limits) throws IOException {
    // file contents are not hashed here (the collector's pass is about storing the archive): ELF magic only
    FileChangesReader files = new FileChangesReader(f -> true, false);
    try (CheckpointTar tar = CheckpointTar.streamed(in, name, limits, null, files)) {
      return of(CheckpointReport.readWithoutProcessText(tar), files.finish(tar));
    }
  }
}
