package io.ckpt.forensics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.bench.TimedProcess.Sample;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The collector benchmark of issue 12 §7 (a command, not a test; {@code operator/bench-collect}
 * runs it): {@code OperatorMain collect} into the filesystem store, plain and encrypted, against
 * {@code sha256sum} of the same generated archive in the same run, each a separate process, runs
 * interleaved after one warm-up round (which also fills the page cache). Reports median wall time,
 * throughput relative to sha256sum, and the collector's peak RSS. Writes
 * {@code target/bench/collect-results.md} and prints it.
 *
 * <p>System properties: {@code project.root} ("."), {@code bench.runs} (3), {@code bench.archiveMiB}
 * (1024), {@code bench.collectorJvm} (the collector JVM's options, {@link #DEFAULT_JVM}).
 */
public final class CollectorBench {

  /** Keeps the collector's peak RSS under 128 MiB encrypted, at full speed (C2 for SHA-256 and AES). */
  static final String DEFAULT_JVM = "-Xmx48m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=24m -Xss512k";

  private final Path benchDir;
  private final int runs;
  private final long archiveBytes;
  private final List<String> collectorJvm;

  private CollectorBench(Path root, int runs, long archiveBytes, List<String> collectorJvm) {
    this.benchDir = root.resolve("target/bench/collect");
    this.runs = runs;
    this.archiveBytes = archiveBytes;
    this.collectorJvm = collectorJvm;
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(System.getProperty("project.root", ".")).toAbsolutePath().normalize();
    String jvm = System.getProperty("bench.collectorJvm", DEFAULT_JVM);
    new CollectorBench(root, Integer.getInteger("bench.runs", 3), Long.getLong("bench.archiveMiB", 1024) << 20,
        Arrays.asList(jvm.trim().split("\\s+"))).run();
  }

  private record Way(String name, List<Sample> samples) {}

  private void run() throws Exception {
    Files.createDirectories(benchDir.resolve("out"));
    Path archive = archive();
    Path recipients = Files.createDirectories(benchDir.resolve("recipients"));
    Files.copy(EvidenceFixtures.keyFile("test-only-recipient-a.pub.asc"), recipients.resolve("a.asc"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path signingKey = EvidenceFixtures.newSigningKey(benchDir, "Ed25519");
    Way sha = new Way("sha256sum", new ArrayList<>());
    Way plain = new Way("collect, file store", new ArrayList<>());
    Way encrypted = new Way("collect, file store, encrypted (1 recipient)", new ArrayList<>());
    String expected = null;
    for (int i = 0; i <= runs; i++) {
      System.err.printf("collector bench: round %d of %d%s%n", i, runs, i == 0 ? " (warm-up)" : "");
      Sample s = TimedProcess.run(List.of("sha256sum", archive.toString()), benchDir.resolve("out/sha256sum-" + i),
          Map.of());
      require(s, "sha256sum");
      expected = Files.readString(s.stdout()).split(" ")[0];
      Sample p = collect(archive, signingKey, null, "plain-" + i, expected);
      Sample e = collect(archive, signingKey, recipients, "encrypted-" + i, expected);
      if (i > 0) {
        sha.samples().add(s);
        plain.samples().add(p);
        encrypted.samples().add(e);
      }
    }
    String table = table(sha, List.of(plain, encrypted));
    Path md = benchDir.resolveSibling("collect-results.md");
    Files.writeString(md, table);
    System.out.print(table);
    System.err.println("collector bench: written to " + md);
  }

  /** One collector process into a fresh store directory, removed afterwards; its plaintext digest must be sha256sum's. */
  private Sample collect(Path archive, Path signingKey, Path recipients, String label, String expectedSha256)
      throws Exception {
    Path store = benchDir.resolve("store-" + label);
    deleteTree(store);
    Files.createDirectories(store);
    Path terminationLog = benchDir.resolve("out/" + label + ".termination-log");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(collectorJvm);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), OperatorMain.class.getName(), "collect",
        "--archive", archive.toString(), "--name", "bench/archive.tar", "--store", "file", "--store-root",
        store.toString(), "--signing-key", signingKey.toString(), "--termination-log", terminationLog.toString()));
    if (recipients != null) {
      command.addAll(List.of("--recipients", recipients.toString()));
    }
    Sample sample = TimedProcess.run(command, benchDir.resolve("out/" + label), Map.of());
    require(sample, label);
    JsonNode line = new ObjectMapper().readTree(Files.readString(terminationLog));
    if (!line.path("sha256").asText().equals(expectedSha256)) {
      throw new IllegalStateException(label + ": the collector's plaintext SHA-256 " + line.path("sha256").asText()
          + " is not sha256sum's " + expectedSha256);
    }
    deleteTree(store);
    return sample;
  }

  private static void require(Sample sample, String what) throws IOException {
    if (sample.exit() != 0) {
      throw new IllegalStateException(what + " exited " + sample.exit() + ": "
          + Files.readString(sample.stdout().resolveSibling(sample.stdout().getFileName() + ".err")));
    }
  }

  /** The generated archive: pseudo-random bytes (nothing to compress), made once and kept. */
  private Path archive() throws IOException {
    Path file = benchDir.resolve("archive-" + (archiveBytes >> 20) + "MiB.tar");
    if (Files.exists(file) && Files.size(file) == archiveBytes) {
      return file;
    }
    System.err.printf("collector bench: generating %d MiB%n", archiveBytes >> 20);
    SplittableRandom random = new SplittableRandom(12);
    ByteBuffer block = ByteBuffer.allocate(1 << 20);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < archiveBytes; written += block.capacity()) {
        block.clear();
        while (block.hasRemaining()) {
          block.putLong(random.nextLong());
        }
        out.write(block.array(), 0, (int) Math.min(block.capacity(), archiveBytes - written));
      }
    }
    return file;
  }

  private String table(Way baseline, List<Way> ways) {
    double base = median(baseline.samples().stream().mapToDouble(Sample::wallMs).toArray());
    double mib = archiveBytes / (double) (1 << 20);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "## Collector (issue 12 §7), %s%n%n", Instant.now().toString().substring(0, 19)
        + "Z"));
    sb.append(String.format(Locale.ROOT, "Archive: %.0f MiB of pseudo-random bytes, in the page cache (warm-up round"
        + " first); %d interleaved runs each, medians; %d CPUs; collector JVM `%s`; peak RSS from %s.%n"
        + "The collector reads the archive once, writes it (or its OpenPGP message) to the store with fsync, and the"
        + " store reads the stored file back and hashes it again.%n%n", mib, runs,
        Runtime.getRuntime().availableProcessors(), String.join(" ", collectorJvm),
        TimedProcess.usesTimeBinary() ? "`/usr/bin/time -v`" : "polling VmHWM"));
    sb.append("| what | wall (s) | MiB/s | throughput vs sha256sum | peak RSS (MiB, median / max) |\n");
    sb.append("|---|---:|---:|---:|---:|\n");
    List<Way> all = new ArrayList<>(List.of(baseline));
    all.addAll(ways);
    for (Way w : all) {
      double wall = median(w.samples().stream().mapToDouble(Sample::wallMs).toArray());
      double[] rss = w.samples().stream().mapToDouble(s -> s.peakRssKiB() / 1024.0).toArray();
      sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.0f | %.2fx | %.0f / %.0f |%n", w.name(), wall / 1000,
          mib / (wall / 1000), base / wall, median(rss), Arrays.stream(rss).max().orElse(0)));
    }
    return sb.toString();
  }

  private static double median(double[] values) {
    return ArchiveBench.median(values);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
