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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.List;
import java.util.Optional;

/**
 * Everything known about one archive, read in one go from an opened archive: metadata, sizes,
 * statistics, processes with their command lines and environment (raw here: whoever shows them
 * redacts, see {@link EnvironmentRedaction}). fcp's inspect, summary and diff views are built on it.
 * {@code problems} says, one sentence each, what was wrong with the process tree (repeated PIDs,
 * parent loops) and what a read limit left out; it is empty for a sound archive.
 */
public record CheckpointReport(Path archive, long archiveBytes, ContainerMetadata container, Sizes sizes,
    Optional<DumpStatistics> statistics, List<Process> processes, List<RecordedMount> criuMounts, List<String> members,
    List<String> problems) {

  /** A report without problems. */
  public CheckpointReport(Path archive, long archiveBytes, ContainerMetadata container, Sizes sizes,
      Optional<DumpStatistics> statistics, List<Process> processes, List<RecordedMount> criuMounts,
      List<String> members) {
    this(archive, archiveBytes, container, sizes, statistics, processes, criuMounts, members, List.of());
  }

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
    return read(tar, true);
  }

  /**
   * The report without command lines and environments, which live in the memory pages: what a
   * {@link CheckpointTar#streamed streamed} archive, which keeps no pages, can give.
   */
  public static CheckpointReport readWithoutProcessText(CheckpointTar tar) throws IOException {
    return read(tar, false);
  }

  private static CheckpointReport read(CheckpointTar tar, boolean withProcessText) throws IOException {
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
    List<String> problems = new ArrayList<>();
    Optional<CheckpointImages> images = CheckpointImages.of(tar);
    if (images.isPresent()) {
      mounts.addAll(images.get().mountpoints());
      // command lines and environments are read from the attacker's memory pages: their total is capped
      long textLeft = tar.limits().maxProcessTextBytes();
      List<Integer> withoutText = new ArrayList<>();
      for (CheckpointedProcess p : images.get().processes()) {
        if (p.state().hasResources() && images.get().hasMemory(p.pid())) {
          ProcessMemory mem = images.get().memory(p.pid());
          String commandLine = "";
          List<String> arguments = List.of();
          List<String> environment = List.of();
          if (!withProcessText) {
            // left out on purpose, not for a limit: no problem to report
          } else if (textLeft > 0) {
            commandLine = mem.commandLine();
            arguments = mem.arguments();
            environment = mem.environment();
            long bytes = commandLine.length() + arguments.stream().mapToLong(String::length).sum()
                + environment.stream().mapToLong(String::length).sum();
            if (bytes > textLeft) {
              commandLine = "";
              arguments = List.of();
              environment = List.of();
              withoutText.add(p.pid());
            }
            textLeft -= bytes;
          } else {
            withoutText.add(p.pid());
          }
          processes.add(new Process(p, commandLine, arguments, environment, mem.pagemapBytes(),
              mem.sharedBytes(), mem.pageSize()));
        } else {
          processes.add(new Process(p, "", List.of(), List.of(), 0, 0, 0));
        }
      }
      problems.addAll(images.get().treeProblems());
      if (!withoutText.isEmpty()) {
        problems.add("command lines and environments past the limit of " + tar.limits().maxProcessTextBytes()
            + " bytes are not kept (" + withoutText.size() + " processes, first PID " + withoutText.get(0) + ")");
      }
      problems.addAll(parentLoops(processes));
    }
    return new CheckpointReport(tar.path(), tar.fileSize(), meta,
        new Sizes(checkpoint, pages, rootfs, deleted, dumpLog, containerLog), CheckpointImages.statistics(tar),
        List.copyOf(processes), List.copyOf(mounts), List.copyOf(names), List.copyOf(problems));
  }

  /** One sentence per parent loop (a process that is its own ancestor), walked with a visited set. */
  private static List<String> parentLoops(List<Process> processes) {
    Map<Integer, Integer> parent = new HashMap<>();
    for (Process p : processes) {
      parent.put(p.task().pid(), p.task().ppid());
    }
    List<String> out = new ArrayList<>();
    Set<Integer> settled = new HashSet<>();
    for (Process p : processes) {
      List<Integer> path = new ArrayList<>();
      Set<Integer> onPath = new HashSet<>();
      Integer at = p.task().pid();
      while (at != null && !settled.contains(at) && onPath.add(at)) {
        path.add(at);
        Integer up = parent.get(at);
        at = up == null || up.equals(at) ? null : up;
      }
      if (at != null && onPath.contains(at)) {
        List<Integer> loop = path.subList(path.indexOf(at), path.size());
        out.add("parent loop: PID " + loop.stream().map(String::valueOf).collect(Collectors.joining(" -> "))
            + " -> " + at + " (each shown once)");
      }
      settled.addAll(path);
    }
    return out;
  }

  /** The process with this pid, if the dump has it. */
  public Optional<Process> process(int pid) {
    return processes.stream().filter(p -> p.task().pid() == pid).findFirst();
  }

  /**
   * The roots of the process tree (ppid 0, or whose parent is not in the dump), then one process of
   * each parent loop that no root reaches, so that walking children from these shows every process.
   */
  public List<Process> roots() {
    Set<Integer> pids = new HashSet<>();
    for (Process p : processes) {
      pids.add(p.task().pid());
    }
    List<Process> out = new ArrayList<>();
    for (Process p : processes) {
      if (p.task().ppid() == 0 || !pids.contains(p.task().ppid())) {
        out.add(p);
      }
    }
    Map<Integer, List<Process>> children = new HashMap<>();
    for (Process p : processes) {
      children.computeIfAbsent(p.task().ppid(), k -> new ArrayList<>()).add(p);
    }
    Set<Integer> reached = new HashSet<>();
    ArrayDeque<Process> todo = new ArrayDeque<>(out);
    for (Process p : processes) {
      while (!todo.isEmpty()) {
        Process q = todo.pop();
        if (reached.add(q.task().pid())) {
          todo.addAll(children.getOrDefault(q.task().pid(), List.of()));
        }
      }
      if (!reached.contains(p.task().pid())) {
        out.add(p);
        todo.add(p);
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
