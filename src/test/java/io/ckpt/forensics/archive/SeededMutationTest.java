package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.airlift.compress.zstd.ZstdOutputStream;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.criu.Fdinfo.fdinfo_entry;
import io.ckpt.forensics.archive.criu.Mm.mm_entry;
import io.ckpt.forensics.archive.criu.Pagemap.pagemap_entry;
import io.ckpt.forensics.archive.criu.Pstree.pstree_entry;
import io.ckpt.forensics.cli.FcpMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import io.ckpt.forensics.analysis.CapturedOverview;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Mutates the fixture archive with a fixed seed, a fixed number of cases: byte mutations (flipped
 * bytes, huge length prefixes, truncation, zeroed blocks) and structural ones (a PID repeated up
 * to 50 000 times, parent loops, huge page, thread and fd counts, an endless argument block), as
 * plain tar, gzip and zstd. Each mutant is read the way {@code fcp inspect --all} and {@code fcp
 * memparse --search} do, and as the collector streams it for its summary, then run through every command (inspect tree and JSON, summary, list,
 * diff, memparse). Any outcome but success or an {@link ArchiveFormatException} (a
 * RuntimeException, an OutOfMemoryError, a stack trace on stderr, a raw control character in the
 * output) fails the test; a case that runs longer than its watchdog fails the build too.
 */
class SeededMutationTest {

  private static final int CASES = 150;
  private static final Duration WATCHDOG = Duration.ofSeconds(20);

  @Test
  void mutantsEitherDecodeOrFailWithAFormatError() throws Exception {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    byte[] original = tar(members);
    Path dir = FixtureArchives.scratch("mutants");
    Path benign = dir.resolve("benign.tar");
    Files.write(benign, original);
    Random random = new Random(0x5eed);
    int rejected = 0;
    for (int i = 0; i < CASES; i++) {
      String[] container = {".tar", ".tar.gz", ".tar.zst"};
      String suffix = container[i % 3];
      boolean structural = random.nextInt(3) == 0;
      byte[] tar = structural ? tar(structural(members, random)) : mutate(original, random);
      byte[] bytes = compress(tar, suffix);
      if (!suffix.equals(".tar") && random.nextInt(4) == 0) {
        bytes = mutate(bytes, random); // the compressed stream itself
      }
      Path caseDir = dir.resolve("case-" + i);
      Files.createDirectories(caseDir);
      try (var old = Files.list(caseDir)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
      Path file = caseDir.resolve("mutant" + suffix);
      Files.write(file, bytes);
      String what = "mutant " + i + " (seed 0x5eed, " + (structural ? "structural" : "bytes") + ", " + suffix + ")";
      boolean formatError = assertTimeoutPreemptively(WATCHDOG, () -> {
        boolean bad = false;
        try {
          readEverything(file);
        } catch (ArchiveFormatException e) {
          bad = true;
          assertThat(e.getMessage()).contains("offset");
        } catch (Throwable t) {
          throw new AssertionError(what + " escaped with " + t, t);
        }
        readStreamed(what, file);
        runCommands(what, file, benign);
        return bad;
      }, () -> what + " ran longer than " + WATCHDOG);
      rejected += formatError ? 1 : 0;
    }
    System.out.printf("seeded mutation: %d mutants, %d rejected with a format error%n", CASES, rejected);
    assertThat(rejected).isPositive().isLessThan(CASES);
  }

  /**
   * The archives inside the checkpoint (rootfs-diff.tar, a gzip'd tmpfs image, deleted.files) mutated with a
   * fixed seed, the checkpoint tar left sound: fcp files, extract and summary list what they can and name the
   * broken inner archive (exit 0 or 3), never crash, never print a raw control character.
   */
  @Test
  void fileChangeMutantsListOrNameTheBrokenInnerArchive() throws Exception {
    Map<String, byte[]> members = FileChangeFixtures.members();
    Path dir = FixtureArchives.scratch("file-change-mutants");
    Random random = new Random(0xf17e5);
    List<String> inner = List.of("rootfs-diff.tar", "checkpoint/tmpfs-dev-" + FileChangeFixtures.SHM_DEVICE
        + ".tar.gz.img", "deleted.files");
    int problems = 0;
    for (int i = 0; i < 60; i++) {
      String victim = inner.get(i % inner.size());
      Map<String, byte[]> mutant = new java.util.LinkedHashMap<>(members);
      mutant.put(victim, mutate(members.get(victim), random));
      Path file = dir.resolve("mutant-" + i + ".tar");
      Files.write(file, tar(mutant));
      String extracted = dir.resolve("extracted-" + i + "-" + System.nanoTime()).toString();
      String what = "file-change mutant " + i + " (seed 0xf17e5, " + victim + ")";
      problems += assertTimeoutPreemptively(WATCHDOG, () -> {
        int bad = 0;
        for (String[] args : List.of(new String[] {"files", file.toString()},
            new String[] {"files", "--format", "json", file.toString()}, new String[] {"files", "-"},
            new String[] {"summary", "--format", "json", "-"},
            new String[] {"extract", file.toString(), "/tmp/evilscript.sh", "-o", extracted})) {
          StringWriter out = new StringWriter();
          StringWriter err = new StringWriter();
          int code;
          try (InputStream stdin = Files.newInputStream(file)) {
            code = FcpMain.run(args, stdin, new PrintWriter(out), new PrintWriter(err));
          }
          String context = what + ": fcp " + String.join(" ", args) + " exited " + code + ", stderr: " + err;
          assertThat(code).as(context).isIn(0, 1, 3);
          assertThat(err.toString()).as(context)
              .doesNotContainPattern("(?m)^fcp: [\\w.$]+\\.[A-Z]\\w*(Exception|Error)\\b").doesNotContain("\tat ");
          assertPrintable(context, out.toString());
          assertPrintable(context, err.toString());
          bad += code == 3 ? 1 : 0;
        }
        return bad > 0 ? 1 : 0;
      }, () -> what + " ran longer than " + WATCHDOG);
    }
    System.out.printf("file-change mutation: 60 mutants, %d with an unreadable inner archive%n", problems);
    assertThat(problems).isPositive().isLessThan(60);
  }

  /** The collector's one streaming pass (its summary): an overview or an IOException, nothing else. */
  private static void readStreamed(String what, Path file) {
    ReadLimits collectorLike = new ReadLimits(1 << 20, 20_000, 64L << 30, 1000, 1000, 1);
    try (InputStream in = Files.newInputStream(file)) {
      CapturedOverview.read(in, file, collectorLike);
    } catch (IOException e) {
      // a format error or a truncated stream: no summary
    } catch (Throwable t) {
      throw new AssertionError(what + " escaped the streamed read with " + t, t);
    }
  }

  static void readEverything(Path file) throws Exception {
    try (CheckpointTar tar = CheckpointTar.open(file)) {
      ContainerMetadata.read(tar);
      CheckpointImages.statistics(tar);
      var images = CheckpointImages.of(tar);
      if (images.isEmpty()) {
        return;
      }
      images.get().inventory();
      images.get().ttys();
      images.get().timeNamespace();
      images.get().seccompFilterCount();
      for (CheckpointedProcess p : images.get().processes()) {
        if (!p.state().hasResources()) {
          continue;
        }
        images.get().memoryAreas(p.pid());
        ProcessMemory mem = images.get().memory(p.pid());
        mem.commandLine();
        mem.environment();
        new MemorySearch(MemorySearch.literal("PATH"), 8, 0, -1, 1000).search(mem);
      }
    }
  }

  /**
   * Every command on the mutant, from the file and (inspect, summary, memparse) from standard input: exit 0, 1
   * (nothing found, differences), 2 (a user error) or 3 (an invalid archive), never a crash.
   */
  private static void runCommands(String what, Path file, Path benign) {
    List<String[]> commands = List.of(
        new String[] {"inspect", "--all", file.toString()},
        new String[] {"inspect", "--all", "--format", "json", file.toString()},
        new String[] {"summary", file.toString()},
        new String[] {"list", file.getParent().toString()},
        new String[] {"diff", "--ps-tree-cmd", "--files", "--sockets", benign.toString(), file.toString()},
        new String[] {"memparse", file.toString()},
        new String[] {"memparse", "--pid", "2956", "--search-regex", "PATH=[^\\x00]*", "--time-limit", "5",
            file.toString()},
        new String[] {"inspect", "--all", "-"},
        new String[] {"summary", "-"},
        new String[] {"files", file.toString()},
        new String[] {"files", "--format", "json", "-"},
        new String[] {"memparse", "--pid", "2956", "--search-regex", "PATH=[^\\x00]*", "--time-limit", "5", "-"});
    for (String[] args : commands) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code;
      try (InputStream stdin = Files.newInputStream(file)) {
        code = FcpMain.run(args, stdin, new PrintWriter(out), new PrintWriter(err));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String context = what + ": fcp " + String.join(" ", args) + " exited " + code + ", stderr: " + err;
      assertThat(code).as(context).isIn(0, 1, 2, 3);
      // a RuntimeException is printed by its class name: it means a decoder did not check its input
      assertThat(err.toString()).as(context).doesNotContainPattern("(?m)^fcp: [\\w.$]+\\.[A-Z]\\w*(Exception|Error)\\b")
          .doesNotContain("\tat ");
      assertPrintable(context, out.toString());
      assertPrintable(context, err.toString());
    }
  }

  private static void assertPrintable(String context, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean unsafe = c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f || c >= 0x202a && c <= 0x202e
          || c >= 0x2066 && c <= 0x2069 || c == 0x200e || c == 0x200f;
      if (unsafe) {
        throw new AssertionError(context + ": raw U+" + Integer.toHexString(c) + " in the output");
      }
    }
  }

  private static byte[] tar(Map<String, byte[]> members) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FixtureArchives.write(members, out);
    return out.toByteArray();
  }

  private static byte[] compress(byte[] tar, String suffix) throws IOException {
    if (suffix.equals(".tar")) {
      return tar;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream o = suffix.equals(".tar.gz") ? new GZIPOutputStream(out) : new ZstdOutputStream(out)) {
      o.write(tar);
    }
    return out.toByteArray();
  }

  /** A structurally hostile but well-formed archive: repeated PIDs, loops, huge counts. */
  private static Map<String, byte[]> structural(Map<String, byte[]> original, Random random) throws IOException {
    Map<String, byte[]> m = new java.util.LinkedHashMap<>(original);
    int kind = random.nextInt(6);
    switch (kind) {
      case 0 -> { // one PID repeated
        int copies = 2 + random.nextInt(50_000);
        m.put("checkpoint/pstree.img", repeat(m.get("checkpoint/pstree.img"), copies));
      }
      case 1 -> { // the process is its own parent, or its parent's parent
        int parent = random.nextBoolean() ? 2956 : 77;
        m.put("checkpoint/pstree.img", rewrite(m.get("checkpoint/pstree.img"), pstree_entry.parser(),
            p -> p.toBuilder().setPpid(parent).build()));
        if (parent == 77) {
          byte[] other = rewrite(m.get("checkpoint/pstree.img"), pstree_entry.parser(),
              p -> p.toBuilder().setPid(77).setPpid(2956).clearThreads().addThreads(77).build());
          m.put("checkpoint/pstree.img", concat(m.get("checkpoint/pstree.img"), Arrays.copyOfRange(other, 8,
              other.length)));
          m.put("checkpoint/core-77.img", m.get("checkpoint/core-2956.img"));
        }
      }
      case 2 -> { // a pagemap entry claiming a huge number of pages
        long[] counts = {0x7fffffffL, 0xffffffffL, Long.MAX_VALUE / 4096, 1L << 40};
        long count = counts[random.nextInt(counts.length)];
        m.put("checkpoint/pagemap-2956.img", rewriteAfterHead(m.get("checkpoint/pagemap-2956.img"),
            e -> e.toBuilder().setNrPages(count).build()));
      }
      case 3 -> { // a huge thread list
        int threads = 10_000 + random.nextInt(100_000);
        m.put("checkpoint/pstree.img", rewrite(m.get("checkpoint/pstree.img"), pstree_entry.parser(), p -> {
          var b = p.toBuilder();
          for (int t = 0; t < threads; t++) {
            b.addThreads(t);
          }
          return b.build();
        }));
      }
      case 4 -> { // thousands of file descriptors
        int fds = 1000 + random.nextInt(5000);
        byte[] fdinfo = m.get("checkpoint/fdinfo-2.img");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(fdinfo);
        for (int f = 0; f < fds; f++) {
          byte[] body = fdinfo_entry.newBuilder().setId(1_000_000 + f).setFlags(2)
              .setType(io.ckpt.forensics.archive.criu.Fdinfo.fd_types.REG).setFd(100 + f).build().toByteArray();
          out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array());
          out.write(body);
        }
        m.put("checkpoint/fdinfo-2.img", out.toByteArray());
      }
      default -> { // an argument and environment block spanning the address space
        long end = random.nextBoolean() ? -1L : Long.MAX_VALUE;
        m.put("checkpoint/mm-2956.img", rewrite(m.get("checkpoint/mm-2956.img"), mm_entry.parser(),
            e -> e.toBuilder().setMmArgStart(0).setMmArgEnd(end).setMmEnvStart(4096).setMmEnvEnd(end).build()));
      }
    }
    return m;
  }

  private static byte[] repeat(byte[] image, int copies) {
    byte[] body = Arrays.copyOfRange(image, 8, image.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(image, 0, 8);
    for (int i = 0; i < copies; i++) {
      out.write(body, 0, body.length);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Rewrites each entry of a CRIU image (8 bytes of magic, then u32-length-prefixed entries). */
  static <T extends Message> byte[] rewrite(byte[] image, Parser<T> parser, UnaryOperator<T> change)
      throws IOException {
    return rewrite(image, 8, parser, change);
  }

  private static byte[] rewriteAfterHead(byte[] pagemap, UnaryOperator<pagemap_entry> change) throws IOException {
    int head = 12 + ByteBuffer.wrap(pagemap).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    return rewrite(pagemap, head, pagemap_entry.parser(), change);
  }

  private static <T extends Message> byte[] rewrite(byte[] image, int from, Parser<T> parser, UnaryOperator<T> change)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(image, 0, from);
    ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    int pos = from;
    List<byte[]> bodies = new ArrayList<>();
    while (pos < image.length) {
      int len = b.getInt(pos);
      bodies.add(change.apply(parser.parseFrom(Arrays.copyOfRange(image, pos + 4, pos + 4 + len))).toByteArray());
      pos += 4 + len;
    }
    for (byte[] body : bodies) {
      out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array());
      out.write(body);
    }
    return out.toByteArray();
  }

  private static byte[] mutate(byte[] original, Random random) {
    byte[] m = original.clone();
    int kind = random.nextInt(5);
    switch (kind) {
      case 0 -> {
        for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) {
          m[random.nextInt(m.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> {
        int at = random.nextInt(m.length - 4);
        int[] values = {0xffffffff, 0x7fffffff, 0x80000000, 0, 1, 4096};
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(at, values[random.nextInt(values.length)]);
      }
      case 2 -> {
        return Arrays.copyOf(m, random.nextInt(m.length));
      }
      case 3 -> {
        int at = random.nextInt(m.length);
        Arrays.fill(m, at, Math.min(m.length, at + 1 + random.nextInt(600)), (byte) 0);
      }
      default -> {
        // mutate inside a CRIU image area (the first 64 KiB hold the headers and small images)
        int at = random.nextInt(Math.min(m.length, 64 * 1024));
        m[at] = (byte) random.nextInt(256);
      }
    }
    return m;
  }
}
