package io.ckpt.forensics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.bench.TimedProcess.Sample;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.lab.S3TestServer;
import io.ckpt.forensics.lab.TarWriter;
import io.ckpt.forensics.operator.CollectorPods;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The collector benchmark of issue 12 §7 (a command, not a test; {@code operator/bench-collect}
 * runs it): {@code OperatorMain collect} into the filesystem store, plain and encrypted, against
 * {@code sha256sum} of the same generated archive in the same run, each a separate process, runs
 * interleaved after one warm-up round (which also fills the page cache). Reports median wall time,
 * throughput relative to sha256sum, and the collector's peak RSS. Writes
 * {@code target/bench/collect-results.md} and prints it.
 *
 * <p>The archive is a checkpoint, so that the collector does all a real collection does: a CRI-O
 * fixture checkpoint (real metadata and CRIU images), which its in-pass summary parses, and a
 * rootfs diff of pseudo-random bytes that fills it to the requested size ({@link #archive}). Each
 * collection must report a summary with at least one process, or the bench fails.
 *
 * <p>When the evidence tests' S3 server is installed ({@code FCP_S3_SERVER}, from
 * {@code operator/provision-s3}) it adds the S3 store: the collector into a fresh moto server on
 * loopback (Object Lock, multipart), plain and encrypted, next to the AWS SDK's own single
 * {@code PutObject} of the same file into the same kind of server (one round each per run, no
 * warm-up), which is the store's ceiling here: moto, a Python server that keeps objects in memory,
 * is far slower than the disk, so only the ratio to that upload and the collector's memory say
 * something about the collector.
 *
 * <p>System properties: {@code project.root} ("."), {@code bench.runs} (3), {@code bench.archiveMiB}
 * (1024), {@code bench.collectorJvm} (the collector JVM's options, {@link #DEFAULT_JVM}),
 * {@code bench.collectorClasspath} (the collector's class path: {@code operator/bench-collect} gives
 * the main classes and the runtime dependencies, the jars of the image; by default the bench's own,
 * whose test jars add to the collector's RSS, since the JDK keeps each open jar's central directory
 * on the heap).
 */
public final class CollectorBench {

  /** The collector pod's own JVM options: what ships is what is measured. */
  static final String DEFAULT_JVM = CollectorPods.JVM_OPTIONS;

  /** The member that fills the archive to its size; the summary lists its entries, as it does in a real collection. */
  private static final String ROOTFS_DIFF = "rootfs-diff.tar";
  private static final int TAR_BLOCK = 512;
  /** The two zero blocks that end a tar. */
  private static final int TAR_END = 2 * TAR_BLOCK;
  /** The fixtures' modification time, so the archive is the same bytes on every machine. */
  private static final long MTIME = 1706380245L;

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
        StandardCopyOption.REPLACE_EXISTING);
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
    List<Way> ways = new ArrayList<>(List.of(plain, encrypted));
    Optional<String> noS3 = S3TestServer.unavailableReason();
    if (noS3.isEmpty()) {
      ways.addAll(s3Ways(archive, signingKey, recipients, expected));
    } else {
      System.err.println("collector bench: no S3 rows: " + noS3.get());
    }
    String table = table(sha, ways);
    Path md = benchDir.resolveSibling("collect-results.md");
    Files.writeString(md, table);
    System.out.print(table);
    System.err.println("collector bench: written to " + md);
  }

  /**
   * The S3 rows: per round, a fresh moto server (it holds objects in memory, and locked ones cannot
   * be deleted) takes the SDK's PutObject of the archive, then the collector's upload; another one
   * the collector's upload encrypted to the recipient (the most memory: Bouncy Castle, the HTTP
   * client and the part buffer at once).
   */
  private List<Way> s3Ways(Path archive, Path signingKey, Path recipients, String expectedSha256) throws Exception {
    Way put = new Way("S3 PutObject by the AWS SDK (moto on loopback; the store's ceiling)", new ArrayList<>());
    Way collector = new Way("collect, S3 store (moto on loopback, Object Lock, multipart)", new ArrayList<>());
    Way encrypted = new Way("collect, S3 store, encrypted (1 recipient)", new ArrayList<>());
    Path credentials = Files.createDirectories(benchDir.resolve("s3-credentials"));
    Files.writeString(credentials.resolve("access-key-id"), "admin\n");
    Files.writeString(credentials.resolve("secret-access-key"), "admin\n");
    // No warm-up round: the file rounds have filled the page cache, and moto takes minutes per GiB.
    for (int i = 1; i <= runs; i++) {
      System.err.printf("collector bench: S3 round %d of %d%n", i, runs);
      try (S3TestServer server = S3TestServer.start(benchDir.resolve("out/moto-" + i));
          S3Client admin = server.adminClient(Duration.ofMinutes(10))) {
        admin.createBucket(b -> b.bucket("evidence").objectLockEnabledForBucket(true));
        long start = System.nanoTime();
        admin.putObject(b -> b.bucket("evidence").key("ceiling.tar"), RequestBody.fromFile(archive));
        Sample ceiling = new Sample((System.nanoTime() - start) / 1e6, 0, 0, 0, null);
        admin.deleteObject(b -> b.bucket("evidence").key("ceiling.tar"));
        Sample s = collect(archive, signingKey, null, "s3-" + i, expectedSha256, s3Options(server, credentials));
        put.samples().add(ceiling);
        collector.samples().add(s);
      }
      // its own server: moto would otherwise hold both locked copies in memory
      try (S3TestServer server = S3TestServer.start(benchDir.resolve("out/moto-encrypted-" + i));
          S3Client admin = server.adminClient(Duration.ofMinutes(10))) {
        admin.createBucket(b -> b.bucket("evidence").objectLockEnabledForBucket(true));
        encrypted.samples().add(collect(archive, signingKey, recipients, "s3-encrypted-" + i, expectedSha256,
            s3Options(server, credentials)));
      }
    }
    return List.of(put, collector, encrypted);
  }

  private static List<String> s3Options(S3TestServer server, Path credentials) {
    return List.of("--store", "s3", "--s3-endpoint", server.endpoint().toString(), "--s3-region", "us-east-1",
        "--s3-bucket", "evidence", "--s3-path-style", "--s3-credentials", credentials.toString(), "--s3-lock-mode",
        "GOVERNANCE", "--s3-retain", "P1D");
  }

  /** One collector process into a fresh store directory, removed afterwards; its plaintext digest must be sha256sum's. */
  private Sample collect(Path archive, Path signingKey, Path recipients, String label, String expectedSha256)
      throws Exception {
    Path store = benchDir.resolve("store-" + label);
    deleteTree(store);
    Files.createDirectories(store);
    Sample sample = collect(archive, signingKey, recipients, label, expectedSha256,
        List.of("--store", "file", "--store-root", store.toString()));
    deleteTree(store);
    return sample;
  }

  /** One collector process with the given store options; its plaintext digest must be sha256sum's. */
  private Sample collect(Path archive, Path signingKey, Path recipients, String label, String expectedSha256,
      List<String> storeOptions) throws Exception {
    Path terminationLog = benchDir.resolve("out/" + label + ".termination-log");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(collectorJvm);
    command.addAll(List.of("-cp", System.getProperty("bench.collectorClasspath", System.getProperty("java.class.path")),
        OperatorMain.class.getName(), "collect",
        "--archive", archive.toString(), "--name", "bench/archive.tar"));
    command.addAll(storeOptions);
    command.addAll(List.of("--signing-key", signingKey.toString(), "--termination-log", terminationLog.toString()));
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
    // without its summary the collector skipped the in-pass parse, and the bench measures less than a collection
    if (line.path("summary").path("processes").asInt(0) < 1) {
      throw new IllegalStateException(label + ": the collector's termination line has no summary with a process ("
          + terminationLog + "); the bench's archive must be a checkpoint the collector can read (see archive())");
    }
    return sample;
  }

  private static void require(Sample sample, String what) throws IOException {
    if (sample.exit() != 0) {
      throw new IllegalStateException(what + " exited " + sample.exit() + ": "
          + Files.readString(sample.stdout().resolveSibling(sample.stdout().getFileName() + ".err")));
    }
  }

  /**
   * The generated archive, made once and kept: a CRI-O checkpoint (the members of the fixture
   * {@link Flavour#CRIO_OPERATOR}: config.dump, spec.dump, stats-dump, the CRIU images of a real dump)
   * followed by {@value #ROOTFS_DIFF}, a tar holding one file of pseudo-random bytes (nothing to
   * compress) that brings the archive to exactly {@code bench.archiveMiB} MiB. So the collector's
   * in-pass summary parses real metadata and images, as in a real collection, and lists the rootfs
   * diff while its bytes go by. Written streaming, to a temporary file renamed when complete.
   */
  private Path archive() throws IOException {
    Path file = benchDir.resolve("checkpoint-" + (archiveBytes >> 20) + "MiB.tar");
    if (Files.exists(file) && Files.size(file) == archiveBytes) {
      return file;
    }
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    long fixtureBytes = 0;
    for (byte[] data : members.values()) {
      fixtureBytes += TAR_BLOCK + padded(data.length);
    }
    // outer: fixture members, the rootfs diff's header and data, the end; inner: header, data, end
    long innerBytes = archiveBytes - fixtureBytes - TAR_BLOCK - TAR_END;
    long randomBytes = innerBytes - TAR_BLOCK - TAR_END;
    if (randomBytes < 0) {
      throw new IllegalArgumentException("bench.archiveMiB " + (archiveBytes >> 20) + " is smaller than the fixture"
          + " checkpoint (" + fixtureBytes + " bytes); ask for at least " + ((fixtureBytes >> 20) + 1) + " MiB");
    }
    System.err.printf("collector bench: generating %d MiB (a checkpoint of %d members, %d KiB, and %s)%n",
        archiveBytes >> 20, members.size(), fixtureBytes >> 10, ROOTFS_DIFF);
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try (TarWriter tar = new TarWriter(new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16))) {
      for (Map.Entry<String, byte[]> m : members.entrySet()) {
        if (m.getKey().endsWith("/")) {
          tar.directory(m.getKey(), 0700, MTIME);
        } else {
          tar.file(m.getKey(), 0600, MTIME, m.getValue());
        }
      }
      tar.file(ROOTFS_DIFF, 0600, MTIME, innerBytes, out -> {
        // closing the inner writer writes its end blocks; the member's stream ignores close
        try (TarWriter inner = new TarWriter(out)) {
          inner.file("var/lib/bench/random.bin", 0644, MTIME, randomBytes, data -> random(data, randomBytes));
        }
      });
    }
    if (Files.size(partial) != archiveBytes) {
      throw new IllegalStateException(partial + " holds " + Files.size(partial) + " bytes, not " + archiveBytes);
    }
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  /** The rootfs diff's content, at most 1 MiB in memory at a time. */
  private static void random(OutputStream out, long size) throws IOException {
    SplittableRandom random = new SplittableRandom(12);
    ByteBuffer block = ByteBuffer.allocate(1 << 20);
    for (long written = 0; written < size; written += block.capacity()) {
      block.clear();
      while (block.hasRemaining()) {
        block.putLong(random.nextLong());
      }
      out.write(block.array(), 0, (int) Math.min(block.capacity(), size - written));
    }
  }

  private static long padded(long size) {
    return (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
  }

  private String table(Way baseline, List<Way> ways) {
    double base = median(baseline.samples().stream().mapToDouble(Sample::wallMs).toArray());
    double mib = archiveBytes / (double) (1 << 20);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "## Collector (issue 12 §7), %s%n%n", Instant.now().toString().substring(0, 19)
        + "Z"));
    sb.append(String.format(Locale.ROOT, "Archive: %.0f MiB, a CRI-O checkpoint (the fixture's config.dump, spec.dump,"
        + " stats-dump and CRIU images, which the collector's summary parses) and a rootfs-diff.tar of one file of"
        + " pseudo-random bytes filling it, in the page cache (warm-up round"
        + " first); %d interleaved runs each, medians; %d CPUs; collector JVM `%s`; peak RSS from %s.%n"
        + "The collector reads the archive once, writes it (or its OpenPGP message) to the store with fsync, and the"
        + " store reads the stored file back and hashes it again; into S3 it uploads 8 MiB parts with their"
        + " checksums, sets the lock and reads the object back. The collector's class path: %s.%n%n", mib, runs,
        Runtime.getRuntime().availableProcessors(), String.join(" ", collectorJvm),
        TimedProcess.usesTimeBinary() ? "`/usr/bin/time -v`" : "polling VmHWM",
        System.getProperty("bench.collectorClasspath") == null ? "the bench's own (test jars included)"
            : "main classes and runtime dependencies, as in the image (" + jars(System.getProperty(
                "bench.collectorClasspath")) + " jars)"));
    sb.append("| what | wall (s) | MiB/s | throughput vs sha256sum | peak RSS (MiB, median / max) |\n");
    sb.append("|---|---:|---:|---:|---:|\n");
    List<Way> all = new ArrayList<>(List.of(baseline));
    all.addAll(ways);
    for (Way w : all) {
      double wall = median(w.samples().stream().mapToDouble(Sample::wallMs).toArray());
      double[] rss = w.samples().stream().mapToDouble(s -> s.peakRssKiB() / 1024.0).toArray();
      String rssText = Arrays.stream(rss).allMatch(r -> r == 0) ? "(in the bench JVM)"
          : String.format(Locale.ROOT, "%.0f / %.0f", median(rss), Arrays.stream(rss).max().orElse(0));
      sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.0f | %.2fx | %s |%n", w.name(), wall / 1000,
          mib / (wall / 1000), base / wall, rssText));
    }
    return sb.toString();
  }

  private static long jars(String classPath) {
    return Arrays.stream(classPath.split(java.io.File.pathSeparator)).filter(e -> e.endsWith(".jar")).count();
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
