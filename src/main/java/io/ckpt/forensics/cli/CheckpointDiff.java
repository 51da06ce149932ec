package io.ckpt.forensics.cli;

import io.ckpt.forensics.analysis.CheckpointReport;
import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.OpenSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What changed from checkpoint A to a later checkpoint B of the same container, matched as
 * checkpointctl's {@code diff} matches: processes by PID, open files by PID, descriptor and path,
 * sockets by PID, protocol, type and both addresses with ports (a socket whose state or buffers
 * changed is the same socket). Lists keep the archives' order: removed in A's, added in B's.
 */
final class CheckpointDiff {

  /** Entries of one kind that vanished (in A only) or appeared (in B only). */
  record Changes<T>(List<T> removed, List<T> added) {
    int count() {
      return removed.size() + added.size();
    }
  }

  /** A process present in both whose command (or, compared with command lines, its command line) differs. */
  record Modified(CheckpointReport.Process before, CheckpointReport.Process after) {
  }

  /** Process changes: the modified ones besides those that vanished or appeared. */
  record ProcessChanges(Changes<CheckpointReport.Process> changes, List<Modified> modified) {
    int count() {
      return changes.count() + modified.size();
    }
  }

  /** An open file, with the process that holds it. */
  record HeldFile(int pid, OpenFile file) {
  }

  /** A socket, with the process that holds it. */
  record HeldSocket(int pid, OpenSocket socket) {

    /** What makes it the same socket in both checkpoints: not its descriptor, state or buffer sizes. */
    Object identity() {
      return List.of(pid, socket.kind(), socket.type(), socket.source(), socket.sourcePort(), socket.destination(),
          socket.destinationPort());
    }
  }

  private CheckpointDiff() {}

  /**
   * Processes by PID; one is modified when its command (comm) differs and, with
   * {@code compareCommandLines} (--ps-tree-cmd), when its command line does.
   */
  static ProcessChanges processes(CheckpointReport a, CheckpointReport b, boolean compareCommandLines) {
    Map<Integer, CheckpointReport.Process> before = byPid(a);
    Map<Integer, CheckpointReport.Process> after = byPid(b);
    List<Modified> modified = new ArrayList<>();
    for (CheckpointReport.Process p : after.values()) {
      CheckpointReport.Process old = before.get(p.task().pid());
      if (old != null && (!old.task().comm().equals(p.task().comm())
          || compareCommandLines && !old.commandLine().equals(p.commandLine()))) {
        modified.add(new Modified(old, p));
      }
    }
    return new ProcessChanges(changes(before, after), modified);
  }

  static Changes<HeldFile> files(CheckpointReport a, CheckpointReport b) {
    return changes(keyed(heldFiles(a), Function.identity()), keyed(heldFiles(b), Function.identity()));
  }

  static Changes<HeldSocket> sockets(CheckpointReport a, CheckpointReport b) {
    return changes(keyed(heldSockets(a), HeldSocket::identity), keyed(heldSockets(b), HeldSocket::identity));
  }

  private static Map<Integer, CheckpointReport.Process> byPid(CheckpointReport r) {
    return keyed(r.processes(), p -> p.task().pid());
  }

  private static List<HeldFile> heldFiles(CheckpointReport r) {
    List<HeldFile> files = new ArrayList<>();
    for (CheckpointReport.Process p : r.processes()) {
      p.task().files().forEach(f -> files.add(new HeldFile(p.task().pid(), f)));
    }
    return files;
  }

  private static List<HeldSocket> heldSockets(CheckpointReport r) {
    List<HeldSocket> sockets = new ArrayList<>();
    for (CheckpointReport.Process p : r.processes()) {
      p.task().sockets().forEach(s -> sockets.add(new HeldSocket(p.task().pid(), s)));
    }
    return sockets;
  }

  /** The entries by key, in order; of two with one key the first stays (as checkpointctl's map keeps one). */
  private static <K, T> Map<K, T> keyed(List<T> entries, Function<T, K> key) {
    Map<K, T> map = new LinkedHashMap<>();
    for (T e : entries) {
      map.putIfAbsent(Objects.requireNonNull(key.apply(e)), e);
    }
    return map;
  }

  private static <K, T> Changes<T> changes(Map<K, T> before, Map<K, T> after) {
    List<T> removed = before.entrySet().stream().filter(e -> !after.containsKey(e.getKey())).map(Map.Entry::getValue)
        .toList();
    List<T> added = after.entrySet().stream().filter(e -> !before.containsKey(e.getKey())).map(Map.Entry::getValue)
        .toList();
    return new Changes<>(removed, added);
  }
}
