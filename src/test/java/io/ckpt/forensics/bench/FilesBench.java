package io.ckpt.forensics.bench;

import io.ckpt.forensics.archive.FileChangeFixtures;
import io.ckpt.forensics.lab.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * {@code operator/bench-archive files}: {@code fcp files} on a checkpoint whose rootfs-diff.tar holds
 * {@code bench.rootfsMiB} (1024) MiB, against {@code tar tvf} of that rootfs-diff.tar (which lists without
 * hashing) and {@code tar xOf checkpoint.tar rootfs-diff.tar | tar tvf -} (what an analyst runs on the
 * checkpoint itself), in one run: medians of {@code bench.runs} (3) runs each, with peak RSS. fcp runs
 * as a plain JVM on the build's classes, also with a 64 MiB heap (its memory is bounded, not sized to the
 * archive) and from standard input. The page cache is warm for every command after the first untimed
 * pass. Writes under target/bench/files/; the table goes to stdout and target/bench/files-results.md.
 */
public final class FilesBench {

  private static final int BIG_FILE = 1 << 20;
  private static final int SMALL_FILES = 50_000;

  public static void main(String[] args) throws Exception {
    Path root = Path.of(System.getProperty("project.root", "."));
    int runs = Integer.getInteger("bench.runs", 3);
    long rootfsMiB = Long.getLong("bench.rootfsMiB", 1024);
    Path dir = root.resolve("target/bench/files");
    Files.createDirectories(dir);
    Path rootfs = dir.resolve("rootfs-diff.tar");
    Path checkpoint = dir.resolve("checkpoint.tar");
    long entries = writeRootfsDiff(rootfs, rootfsMiB);
    writeCheckpoint(checkpoint, rootfs);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    List<String> fcp = List.of(java, "-cp", cp, "io.ckpt.forensics.cli.FcpMain", "files");
    List<String> fcpSmallHeap = List.of(java, "-Xmx64m", "-cp", cp, "io.ckpt.forensics.cli.FcpMain", "files");
    List<String> fcpLauncherOptions = new ArrayList<>(List.of(java));
    fcpLauncherOptions.addAll(launcherJvmOptions(root));
    fcpLauncherOptions.addAll(List.of("-cp", cp, "io.ckpt.forensics.cli.FcpMain", "files"));
    // C1 only, as the launcher ran before: no SHA-256 intrinsic, so the cost of hashing shows
    List<String> fcpC1Only = new ArrayList<>(fcpLauncherOptions);
    fcpC1Only.add(fcpC1Only.indexOf("-cp"), "-XX:TieredStopAtLevel=1");
    String q = "'" + checkpoint + "'";
    List<Case> cases = List.of(
        new Case("tar tvf rootfs-diff.tar", List.of("tar", "tvf", rootfs.toString())),
        new Case("tar xOf checkpoint.tar rootfs-diff.tar | tar tvf -",
            List.of("bash", "-c", "set -o pipefail; tar xOf " + q + " rootfs-diff.tar | tar tvf -")),
        new Case("fcp --version (JVM start-up only)", List.of(java, "-cp", cp, "io.ckpt.forensics.cli.FcpMain",
            "--version")),
        new Case("fcp files (SHA-256 of every file)", concat(fcp, checkpoint.toString())),
        new Case("fcp files --no-sha256", concat(fcp, "--no-sha256", checkpoint.toString())),
        new Case("fcp files, -Xmx64m", concat(fcpSmallHeap, checkpoint.toString())),
        new Case("fcp files, bin/fcp's JVM options", concat(fcpLauncherOptions, checkpoint.toString())),
        new Case("fcp files --no-sha256, bin/fcp's JVM options", concat(fcpLauncherOptions, "--no-sha256",
            checkpoint.toString())),
        new Case("fcp files, bin/fcp's JVM options + -XX:TieredStopAtLevel=1", concat(fcpC1Only,
            checkpoint.toString())),
        new Case("fcp files - < checkpoint.tar (one pass, stream)",
            List.of("bash", "-c", String.join(" ", fcp.stream().map(a -> "'" + a + "'").toList()) + " - < " + q)));
    for (Case c : cases) { // warm the page cache and the JIT-independent parts once, untimed
      TimedProcess.run(c.command, dir.resolve("warm.out"), Map.of());
    }
    StringBuilder sb = new StringBuilder();
    sb.append("## fcp files vs tar tvf\n\n");
    sb.append(String.format(Locale.ROOT, "rootfs-diff.tar %s MiB (%d entries: %d files of 1 MiB, %d of 64 B), inside"
        + " checkpoint.tar %s MiB. %d runs each, median wall time; page cache warm; %d CPUs (load average %s at the"
        + " start); Java %s; %s. fcp files also hashes the whole archive (its SHA-256) on a second thread unless"
        + " --no-sha256.%n%n",
        Files.size(rootfs) >> 20, entries, entries - SMALL_FILES - 1, SMALL_FILES, Files.size(checkpoint) >> 20, runs,
        Runtime.getRuntime().availableProcessors(), load(), System.getProperty("java.version"),
        TimedProcess.usesTimeBinary() ? "peak RSS from /usr/bin/time -v" : "peak RSS from polled VmHWM"));
    sb.append("| command | wall (median) | vs tar tvf | peak RSS | exit | lines |\n|---|---|---|---|---|---|\n");
    double base = 0;
    for (Case c : cases) {
      double[] wall = new double[runs];
      long rss = 0;
      int exit = 0;
      long lines = 0;
      for (int i = 0; i < runs; i++) {
        Path out = dir.resolve("run.out");
        TimedProcess.Sample s = TimedProcess.run(c.command, out, Map.of());
        wall[i] = s.wallMs();
        rss = Math.max(rss, s.peakRssKiB());
        exit = s.exit();
        if (exit != 0) {
          throw new IllegalStateException(c.name + " exited " + exit + ": " + Files.readString(
              out.resolveSibling(out.getFileName() + ".err")));
        }
        try (var l = Files.lines(out, StandardCharsets.UTF_8)) {
          lines = l.count();
        }
      }
      Arrays.sort(wall);
      double median = wall[runs / 2];
      if (base == 0) {
        base = median;
      }
      sb.append(String.format(Locale.ROOT, "| `%s` | %.2f s | %.2f× | %d MiB | %d | %d |%n",
          c.name.replace("|", "\\|"), median / 1000, median / base, rss >> 10, exit, lines));
    }
    System.out.print(sb);
    Files.writeString(root.resolve("target/bench/files-results.md"), sb.toString());
  }

  /** The distribution launcher's JVM options (src/dist/bin/fcp's jvm_opts), without its class-data archive. */
  private static List<String> launcherJvmOptions(Path root) throws IOException {
    for (String l : Files.readAllLines(root.resolve("src/dist/bin/fcp"))) {
      if (l.startsWith("jvm_opts=")) {
        return Arrays.stream(l.substring("jvm_opts=".length()).replace("\"", "").split(" ")).filter(o -> !o.isBlank())
            .toList();
      }
    }
    return List.of();
  }

  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + "/" + f[1] + "/" + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  record Case(String name, List<String> command) {
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }

  /** 1 MiB files of pseudo-random bytes up to the size, then many small files; returns the entry count. */
  private static long writeRootfsDiff(Path file, long mib) throws IOException {
    SplittableRandom random = new SplittableRandom(17);
    byte[] buf = new byte[BIG_FILE];
    long entries = 0;
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(file),
        1 << 20))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      TarArchiveEntry d = new TarArchiveEntry("tmp/");
      tar.putArchiveEntry(d);
      tar.closeArchiveEntry();
      entries++;
      long big = Math.max(1, mib - (SMALL_FILES * 1024L >> 20));
      for (long i = 0; i < big; i++) {
        for (int j = 0; j < buf.length; j += 8) {
          long v = random.nextLong();
          for (int k = 0; k < 8; k++) {
            buf[j + k] = (byte) (v >>> (8 * k));
          }
        }
        add(tar, "usr/lib/bench/blob-" + i + ".bin", 0644, buf, buf.length);
        entries++;
      }
      byte[] small = new byte[64];
      for (int i = 0; i < SMALL_FILES; i++) {
        small[0] = (byte) i;
        add(tar, "tmp/many/file-" + i + ".txt", i % 10 == 0 ? 0755 : 0644, small, small.length);
        entries++;
      }
    }
    return entries;
  }

  private static void add(TarArchiveOutputStream tar, String name, int mode, byte[] data, int len) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(len);
    e.setMode(0100000 | mode);
    e.setModTime(FileChangeFixtures.MTIME * 1000);
    tar.putArchiveEntry(e);
    tar.write(data, 0, len);
    tar.closeArchiveEntry();
  }

  private static void writeCheckpoint(Path file, Path rootfs) throws IOException {
    Map<String, byte[]> members = FileChangeFixtures.members();
    members.remove("rootfs-diff.tar");
    try (OutputStream raw = Files.newOutputStream(file);
        TarWriter tar = new TarWriter(new BufferedOutputStream(raw, 1 << 20))) {
      for (Map.Entry<String, byte[]> e : members.entrySet()) {
        if (e.getKey().endsWith("/")) {
          tar.directory(e.getKey(), 0700, FileChangeFixtures.MTIME);
        } else {
          tar.file(e.getKey(), 0600, FileChangeFixtures.MTIME, e.getValue());
        }
      }
      tar.file("rootfs-diff.tar", 0600, FileChangeFixtures.MTIME, Files.size(rootfs), out -> Files.copy(rootfs, out));
    }
  }
}
