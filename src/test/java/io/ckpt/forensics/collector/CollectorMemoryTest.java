package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole collect mode, started as the collector pod starts it (OperatorMain collect ...), in a
 * JVM whose heap is far smaller than the archive: it can only succeed if nothing holds the archive.
 * Encrypted, the costlier path.
 */
class CollectorMemoryTest {

  private static final int HEAP_MIB = 48;
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

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + HEAP_MIB + "m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        OperatorMain.class.getName(), "collect", "--archive", archive.toString(), "--name", "dev/big/app.tar",
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
  }

  /** Pseudo-random-looking bytes (so compression inside the encryption gains nothing), returning their SHA-256. */
  private static String writeArchive(Path file, long size) throws IOException, NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] block = EvidenceFixtures.archive(1 << 20, 12);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += block.length) {
        block[0]++; // no two blocks alike
        out.write(block);
        digest.update(block);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
