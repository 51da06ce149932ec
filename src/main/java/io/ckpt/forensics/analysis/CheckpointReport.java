package io.ckpt.forensics.analysis;

import io.ckpt.forensics.archive.CheckpointImages;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.CheckpointedProcess;
import io.ckpt.forensics.archive.ContainerMetadata;
import io.ckpt.forensics.archive.DumpStatistics;
import io.ckpt.forensics.archive.ProcessMemory;
import io.ckpt.forensics.archive.RecordedMount;
import io.ckpt.forensics.archive.TarMember;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything known about one archive, read in one go from an opened archive: metadata, sizes,
 * statistics, processes with their command lines and environment (raw here: whoever shows them
 * redacts, see {@link EnvironmentRedaction}). fcp's inspect, summary and diff views are built on it.
 */
public record CheckpointReport(Path archive, long archiveBytes, ContainerMetadata container, Sizes sizes,
    Optional<DumpStatistics> statistics, List<Process> processes, List<RecordedMount> criuMounts, List<String> members) {

  /** Byte counts by kind of content, as checkpointctl groups them. */
  public record Sizes(long checkpoint, long memoryPages, long rootFsDiff, long deletedFiles, long dumpLog,
      long containerLog) {
  }

  /** One process with what memory says about it. */
  public record Process(CheckpointedProcess task, String commandLine, List<String> arguments, List<String> environment,
      long memoryBytes, long sharedBytes, int pageSize) {
  }

  /** Reads the whole report from an opened archive. */
  public static CheckpointReport read(CheckpointTar tar) throws IOException {
    ContainerMetadata meta = ContainerMetadata.read(tar);
    long checkpoint = 0;
    long pages = 0;
    long rootfs = 0;
    long deleted = 0;
    long dumpLog = 0;
    long containerLog = 0;
    List<String> names = new ArrayList<>();
    for (TarMember m : tar.members()) {
      names.add(m.name());
      if (!m.isFile()) {
        continue;
      }
      String n = m.name();
      if (n.startsWith("checkpoint/")) {
        checkpoint += m.size();
        if (n.startsWith("checkpoint/pages-")) {
          pages += m.size();
        }
      } else if (n.equals("rootfs-diff.tar")) {
        rootfs = m.size();
      } else if (n.equals("deleted.files")) {
        deleted = m.size();
      } else if (n.equals("dump.log")) {
        dumpLog = m.size();
      } else if (n.equals("container.log")) {
        containerLog = m.size();
      }
    }
    List<Process> processes = new ArrayList<>();
    List<RecordedMount> mounts = new ArrayList<>();
    Optional<CheckpointImages> images = CheckpointImages.of(tar);
    if (images.isPresent()) {
      mounts.addAll(images.get().mountpoints());
      for (CheckpointedProcess p : images.get().processes()) {
        if (p.state().hasResources() && images.get().hasMemory(p.pid())) {
          ProcessMemory mem = images.get().memory(p.pid());
          processes.add(new Process(p, mem.commandLine(), mem.arguments(), mem.environment(), mem.pagemapBytes(),
              mem.sharedBytes(), mem.pageSize()));
        } else {
          processes.add(new Process(p, "", List.of(), List.of(), 0, 0, 0));
        }
      }
    }
    return new CheckpointReport(tar.path(), tar.fileSize(), meta,
        new Sizes(checkpoint, pages, rootfs, deleted, dumpLog, containerLog), CheckpointImages.statistics(tar),
        List.copyOf(processes), List.copyOf(mounts), List.copyOf(names));
  }

  /** The process with this pid, if the dump has it. */
  public Optional<Process> process(int pid) {
    return processes.stream().filter(p -> p.task().pid() == pid).findFirst();
  }

  /** The root of the process tree (ppid 0, or whose parent is not in the dump). */
  public List<Process> roots() {
    List<Process> out = new ArrayList<>();
    for (Process p : processes) {
      if (p.task().ppid() == 0 || process(p.task().ppid()).isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }

  /** The children of a process, by pid. */
  public List<Process> children(int pid) {
    return processes.stream().filter(p -> p.task().ppid() == pid && p.task().pid() != pid)
        .sorted((a, b) -> Integer.compare(a.task().pid(), b.task().pid())).toList();
  }
}
