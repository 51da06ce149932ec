package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.lab.TarWriter;
import io.ckpt.forensics.operator.CollectorPods;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole collect mode, started as the collector pod starts it (OperatorMain collect ..., with the
 * pod's JVM options: a 40 MiB heap), in a JVM whose heap is far smaller than the archive: it can only
 * succeed if nothing holds the archive.
 * Encrypted, the costlier path; a real checkpoint archive, so the summary is read in the same pass.
 */
class CollectorMemoryTest {

  private static final int ARCHIVE_MIB = 256;

  @TempDir
  Path dir;

  @Test
  void anArchiveFiveTimesTheHeapIsCollectedEncryptedThroughOperatorMain() throws Exception {
    Path archive = dir.resolve("checkpoint.tar");
    String sha256 = writeArchive(archive, (long) ARCHIVE_MIB << 20);
    Path store = Files.createDirectories(dir.resolve("store"));
    Path recipients = Files.createDirectories(dir.resolve("recipients"));
    Files.copy(EvidenceFixtures.keyFile("test-only-recipient-a.pub.asc"), recipients.resolve("a.asc"));
    Path signingKey = EvidenceFixtures.newSigningKey(dir, "Ed25519");
    Path terminationLog = dir.resolve("termination-log");

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(List.of(CollectorPods.JVM_OPTIONS.split(" ")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), OperatorMain.class.getName(), "collect", "--archive", archive.toString(), "--name", "dev/big/app.tar",
        "--store", "file", "--store-root", store.toString(), "--recipients", recipients.toString(),
        "--signing-key", signingKey.toString(), "--delete-after-store", "--termination-log", terminationLog.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("output").toFile()).start();
    assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("the collector finished").isTrue();

    String output = Files.readString(dir.resolve("output"));
    assertThat(process.exitValue()).as("collector output: %s", output).isZero();
    JsonNode line = new ObjectMapper().readTree(Files.readString(terminationLog, StandardCharsets.UTF_8));
    assertThat(line.path("result").asText()).isEqualTo("Stored");
    assertThat(line.path("sha256").asText()).isEqualTo(sha256);
    assertThat(line.path("sizeBytes").asLong()).isEqualTo((long) ARCHIVE_MIB << 20);
    assertThat(line.path("encrypted").asBoolean()).isTrue();
    assertThat(line.path("removedFromNode").asBoolean()).isTrue();
    assertThat(Files.size(store.resolve("dev/big/app.tar"))).isEqualTo(line.path("storedBytes").asLong());
    // the summary was read from the same pass, page data skipped, within the same heap
    assertThat(line.path("summary").path("processes").asInt()).as("%s", line).isEqualTo(1);
    assertThat(line.path("summary").path("architecture").asText()).isEqualTo("AARCH64");
  }

  /**
   * A checkpoint archive (the fixture's metadata and CRIU images, so the collector's summary has
   * something to read) whose page data is pseudo-random-looking bytes (so compression inside the
   * encryption gains nothing), {@code size} bytes in all; returns its SHA-256.
   */
  private static String writeArchive(Path file, long size) throws IOException, NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Map<String, byte[]> fixture = FixtureArchives.members(FixtureArchives.Flavour.CRIO_OPERATOR);
    long fixtureBytes = 0;
    for (byte[] member : fixture.values()) {
      fixtureBytes += 512 + (member.length + 511) / 512 * 512;
    }
    long pages = size - fixtureBytes - 512 /* its header */ - 1024 /* the end of the archive */;
    byte[] block = EvidenceFixtures.archive(1 << 20, 12);
    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest);
        TarWriter tar = new TarWriter(out)) {
      for (Map.Entry<String, byte[]> m : fixture.entrySet()) {
        if (m.getKey().endsWith("/")) {
          tar.directory(m.getKey(), 0700, 1706380245L);
        } else {
          tar.file(m.getKey(), 0600, 1706380245L, m.getValue());
        }
      }
      tar.file("checkpoint/pages-99.img", 0600, 1706380245L, pages, content -> {
        for (long written = 0; written < pages; written += block.length) {
          block[0]++; // no two blocks alike
          content.write(block, 0, (int) Math.min(block.length, pages - written));
        }
      });
    }
    assertThat(Files.size(file)).isEqualTo(size);
    return HexFormat.of().formatHex(digest.digest());
  }
}
