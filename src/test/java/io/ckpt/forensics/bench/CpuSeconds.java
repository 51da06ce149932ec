package io.ckpt.forensics.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU seconds (user + system) consumed so far by named processes, from {@code /proc/PID/stat}, and by
 * the whole machine, from {@code /proc/stat} (not namespaced: it includes other users' builds). Two
 * samples give what each process used in between: whether a scenario is CPU-bound, and by whom.
 * Linux only.
 */
record CpuSeconds(Map<String, Double> byProcess, double machineBusy) {

  /** Clock ticks per second of /proc's CPU times: USER_HZ, fixed at 100 in Linux's user-space ABI. */
  private static final double TICKS_PER_SECOND = 100;

  /** Samples every process of {@code pids} (name to process id; -1 or gone counts as 0). */
  static CpuSeconds sample(Map<String, Long> pids) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    pids.forEach((name, pid) -> seconds.put(name, pid < 0 ? 0 : ofProcess(pid)));
    return new CpuSeconds(seconds, busyOfMachine());
  }

  /** What each process (and the machine) used from {@code before} to this sample. */
  CpuSeconds since(CpuSeconds before) {
    Map<String, Double> used = new LinkedHashMap<>();
    byProcess.forEach((name, s) -> used.put(name, s - before.byProcess.getOrDefault(name, 0.0)));
    return new CpuSeconds(used, machineBusy - before.machineBusy);
  }

  double total() {
    return byProcess.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** "kube-apiserver 12.3, etcd 4.5, ..." in CPU seconds. */
  String describe() {
    return byProcess.entrySet().stream().map(e -> String.format(java.util.Locale.ROOT, "%s %.1f", e.getKey(),
        e.getValue())).collect(Collectors.joining(", "));
  }

  /** utime + stime of one process: fields 14 and 15 of /proc/PID/stat, counted after the ")" of its name. */
  static double ofProcess(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    } catch (NoSuchFileException gone) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }

  /** All CPUs' time not idle and not waiting for I/O, from the "cpu" line of /proc/stat. */
  static double busyOfMachine() {
    String cpu;
    try {
      cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] fields = cpu.trim().split("\\s+");
    long busy = 0;
    // cpu user nice system idle iowait irq softirq steal (guest time is already inside user)
    for (int i = 1; i <= 8 && i < fields.length; i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(fields[i]);
      }
    }
    return busy / TICKS_PER_SECOND;
  }
}
