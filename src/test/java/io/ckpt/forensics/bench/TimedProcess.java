package io.ckpt.forensics.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a command as its own process and measures it: wall time, peak RSS and file-system writes
 * from {@code /usr/bin/time -v} (Debian package "time"), or, without it, peak RSS by polling VmHWM,
 * which can miss a peak in the last milliseconds. The archive and collector benchmarks share it.
 */
final class TimedProcess {

  static final long TIMEOUT_MINUTES = 10;
  private static final Path TIME = Path.of("/usr/bin/time");

  /** One process run: wall time, peak RSS, bytes the file system wrote for it (-1: unknown), its exit code. */
  record Sample(double wallMs, long peakRssKiB, long fsOutputBytes, int exit, Path stdout) {
  }

  private TimedProcess() {}

  /** Whether {@code /usr/bin/time -v} measures (else VmHWM is polled). */
  static boolean usesTimeBinary() {
    return Files.isExecutable(TIME);
  }

  /** Runs {@code command} with its output in {@code stdout} (and {@code stdout}.err), after a sync that is not timed. */
  static Sample run(List<String> command, Path stdout, Map<String, String> env) throws Exception {
    boolean timeBinary = usesTimeBinary();
    Path timeFile = stdout.resolveSibling(stdout.getFileName() + ".time");
    List<String> cmd = new ArrayList<>();
    if (timeBinary) {
      cmd.addAll(List.of(TIME.toString(), "-v", "-o", timeFile.toString()));
    }
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile())
        .redirectError(stdout.resolveSibling(stdout.getFileName() + ".err").toFile());
    pb.environment().putAll(env);
    // let the previous run's writes reach the disk first, untimed
    new ProcessBuilder("sync").inheritIO().start().waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    long start = System.nanoTime();
    Process p = pb.start();
    long hwm = 0;
    if (!timeBinary) {
      // poll VmHWM (peak RSS so far) until the process ends (bounded by the timeout)
      long deadline = start + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
      while (p.isAlive() && System.nanoTime() < deadline) {
        hwm = Math.max(hwm, vmHwm(p.pid()));
        p.waitFor(2, TimeUnit.MILLISECONDS);
      }
    }
    if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      // /usr/bin/time does not pass a kill on to the process it measures: end that one first
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + String.join(" ", command));
    }
    double wallMs = (System.nanoTime() - start) / 1e6;
    long fsOut = -1;
    if (timeBinary) {
      String t = Files.readString(timeFile);
      hwm = longField(t, "Maximum resident set size \\(kbytes\\): (\\d+)");
      fsOut = longField(t, "File system outputs: (\\d+)") * 512;
    }
    return new Sample(wallMs, hwm, fsOut, p.exitValue(), stdout);
  }

  private static long vmHwm(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has ended
    }
    return 0;
  }

  /** The first group of {@code regex} in {@code text} as a number, or -1. */
  static long longField(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}
