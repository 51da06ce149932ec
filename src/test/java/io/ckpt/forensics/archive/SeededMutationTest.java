package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutates the fixture archive with a fixed seed for about three seconds (flipped bytes, huge
 * length prefixes, truncation, zeroed blocks) and reads each mutant the way {@code fcp inspect
 * --all} and {@code fcp memparse --search} do. Any outcome but success or an
 * {@link ArchiveFormatException} (a RuntimeException, an OutOfMemoryError, a hang) fails the test.
 */
class SeededMutationTest {

  private static final long BUDGET_NANOS = 3_000_000_000L;

  @Test
  void mutantsEitherDecodeOrFailWithAFormatError() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FixtureArchives.write(FixtureArchives.members(Flavour.CRIO_OPERATOR), out);
    byte[] original = out.toByteArray();
    Path file = FixtureArchives.scratch("mutants").resolve("mutant.tar");
    Random random = new Random(0x5eed);
    long deadline = System.nanoTime() + BUDGET_NANOS;
    int runs = 0;
    int rejected = 0;
    while (System.nanoTime() < deadline) {
      byte[] mutant = mutate(original, random);
      Files.write(file, mutant);
      try {
        readEverything(file);
      } catch (ArchiveFormatException e) {
        rejected++;
        assertThat(e.getMessage()).contains("offset");
      } catch (Throwable t) {
        throw new AssertionError("mutant " + runs + " (seed 0x5eed) escaped with " + t, t);
      }
      runs++;
    }
    System.out.printf("seeded mutation: %d mutants, %d rejected with a format error%n", runs, rejected);
    assertThat(runs).isGreaterThan(50);
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
