package io.ckpt.forensics.cli;

import static io.ckpt.forensics.evidence.EvidenceFixtures.keyFile;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.evidence.CustodyCopy;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.OpenPgpRecipient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * fcp's inputs: an archive from standard input ({@code -}) and an OpenPGP-encrypted archive read
 * with {@code --decryption-key}, each in one streaming pass, give what the plain file gives; and the
 * archive's SHA-256 in {@code inspect} and {@code summary}. The encrypted fixture is encrypted here
 * by the collector's own code (CustodyCopy, OpenPgpEncryption) to a test-only recipient.
 */
class FcpInputTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  private static Path plain;
  private static byte[] plainBytes;
  private static Path encrypted;
  private static byte[] encryptedBytes;
  private static String secretKey;

  @BeforeAll
  static void archives() throws IOException {
    // with a rootfs-diff.tar, deleted.files and a tmpfs image, so that files and extract are compared too
    plain = io.ckpt.forensics.archive.FileChangeFixtures.write();
    plainBytes = Files.readAllBytes(plain);
    ByteArrayOutputStream stored = new ByteArrayOutputStream();
    CustodyCopy.copy(new ByteArrayInputStream(plainBytes), stored,
        OpenPgpRecipient.load(keyFile("test-only-recipient-b.pub.asc")));
    encryptedBytes = stored.toByteArray();
    encrypted = Files.write(dir.resolve("checkpoint.tar.gpg"), encryptedBytes);
    secretKey = keyFile("test-only-recipient-b.secret.asc").toString();
  }

  /** Every archive-reading command, and what it prints about a plain file; ARCHIVE is replaced. */
  private static final List<List<String>> COMMANDS = List.of(
      List.of("inspect", "--all", "ARCHIVE"),
      List.of("inspect", "--all", "--show-secrets", "--format", "json", "ARCHIVE"),
      List.of("summary", "ARCHIVE"),
      List.of("summary", "--format", "json", "ARCHIVE"),
      List.of("files", "ARCHIVE"),
      List.of("files", "--format", "json", "--path", "/dev/shm/**", "ARCHIVE"),
      List.of("memparse", "ARCHIVE"),
      List.of("memparse", "--pid", "2956", "ARCHIVE"),
      List.of("memparse", "--pid", "2956", "--from", "7ffca47bc0", "--to", "7ffca47be0", "ARCHIVE"),
      List.of("memparse", "--pid", "2956", "--search", "ANDROID_ROOT", "--context", "4", "ARCHIVE"),
      List.of("memparse", "--pid", "2956", "--search-regex", "[A-Z_]+=[a-z/]+", "--context", "40000", "ARCHIVE"),
      List.of("diff", "ARCHIVE", "OTHER"),
      List.of("diff", "OTHER", "ARCHIVE"));

  private static String[] args(List<String> command, String archive, String... extra) {
    List<String> out = new ArrayList<>(List.of(extra));
    out.add(0, command.get(0));
    for (String a : command.subList(1, command.size())) {
      out.add(a.equals("ARCHIVE") ? archive : a.equals("OTHER") ? plain.toString() : a);
    }
    return out.toArray(String[]::new);
  }

  /** The output with the archive's name and digest lines normalised (they say where it came from). */
  private static String normalised(FcpRun run, String name) {
    return run.out().replace("from " + name, "from ARCHIVE").replace("checkpoint: " + name, "checkpoint: ARCHIVE")
        .replace("Archive       " + name, "Archive       ARCHIVE")
        .replace("\"archive\" : \"" + name + "\"", "\"archive\" : \"ARCHIVE\"").lines()
        .filter(l -> !l.contains("SHA-256") && !l.contains("sha256") && !l.contains("\"encrypted\""))
        .reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void standardInputGivesWhatTheFileGivesForEveryCommand() {
    for (List<String> command : COMMANDS) {
      FcpRun file = FcpRun.of(args(command, plain.toString()));
      FcpRun stdin = FcpRun.withStdin(plainBytes, args(command, "-"));
      assertThat(stdin.exitCode()).as(command + ": " + stdin.err()).isEqualTo(file.exitCode()).isZero();
      assertThat(normalised(stdin, "-")).as(command.toString()).isEqualTo(normalised(file, plain.toString()));
    }
    // what only the pages hold came through the one pass: the command line and the environment
    FcpRun env = FcpRun.withStdin(plainBytes, "inspect", "--ps-tree-env", "--ps-tree-cmd", "--show-secrets", "-");
    assertThat(env.out()).contains("[2956]  ./loop2", "ANDROID_ROOT=/system");
  }

  @Test
  void anEncryptedArchiveGivesWhatThePlainOneGivesForEveryCommand() {
    for (List<String> command : COMMANDS) {
      FcpRun file = FcpRun.of(args(command, plain.toString()));
      FcpRun fromFile = FcpRun.of(args(command, encrypted.toString(), "--decryption-key", secretKey));
      FcpRun fromStdin = FcpRun.withStdin(encryptedBytes, args(command, "-", "--decryption-key", secretKey));
      assertThat(fromFile.exitCode()).as(command + ": " + fromFile.err()).isZero();
      assertThat(fromStdin.exitCode()).as(command + ": " + fromStdin.err()).isZero();
      String expected = normalised(file, plain.toString());
      assertThat(normalised(fromFile, encrypted.toString())).as(command.toString()).isEqualTo(expected);
      assertThat(normalised(fromStdin, "-")).as(command.toString()).isEqualTo(expected);
    }
  }

  @Test
  void verifyReadsEvidenceFromStandardInput() throws IOException {
    Path signingKey = io.ckpt.forensics.evidence.EvidenceFixtures.newSigningKey(dir, "EC");
    var stored = io.ckpt.forensics.evidence.EvidenceFixtures.collect(plainBytes,
        List.of(keyFile("test-only-recipient-b.pub.asc")), signingKey, null, null);
    Path record = Files.write(dir.resolve("record.dsse.json"), stored.recordFile());
    FcpRun run = FcpRun.withStdin(stored.stored(), "verify", "--key",
        io.ckpt.forensics.evidence.EvidenceFixtures.publicKeyOf(signingKey).toString(), "--record", record.toString(),
        "--decryption-key", secretKey, "-");
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("ok    plaintext sha256  " + Measurement.of(plainBytes).sha256());
  }

  @Test
  void inspectAndSummaryShowTheArchiveDigest() throws IOException {
    String sha = Measurement.of(plainBytes).sha256();
    String storedSha = Measurement.of(encryptedBytes).sha256();

    assertThat(FcpRun.of("summary", plain.toString()).out()).contains("SHA-256       " + sha + "\n");
    assertThat(FcpRun.of("inspect", plain.toString()).out()).contains("SHA-256: " + sha + "\n");
    assertThat(FcpRun.withStdin(plainBytes, "summary", "-").out()).contains("SHA-256       " + sha + "\n");
    JsonNode doc = JSON.readTree(FcpRun.of("inspect", "--format", "json", plain.toString()).out()).get(0);
    assertThat(doc.path("sha256").asText()).isEqualTo(sha);
    assertThat(doc.path("stored_sha256").asText()).isEqualTo(sha);
    assertThat(doc.path("encrypted").asBoolean()).isFalse();
    assertThat(FcpRun.of("summary", "--no-sha256", plain.toString()).out())
        .contains("SHA-256       not computed (--no-sha256)\n");
    assertThat(FcpRun.of("inspect", "--format", "json", "--no-sha256", plain.toString()).out()).doesNotContain("sha256");

    // encrypted: the digest of the plaintext (the custody record's sha256), and of the stored bytes
    FcpRun summary = FcpRun.withStdin(encryptedBytes, "summary", "--decryption-key", secretKey, "-");
    assertThat(summary.out()).contains("SHA-256       " + sha + " (of the decrypted archive; of the encrypted file: "
        + storedSha + ")");
    JsonNode enc = JSON.readTree(FcpRun.of("inspect", "--format", "json", "--decryption-key", secretKey,
        encrypted.toString()).out()).get(0);
    assertThat(enc.path("sha256").asText()).isEqualTo(sha);
    assertThat(enc.path("stored_sha256").asText()).isEqualTo(storedSha);
    assertThat(enc.path("encrypted").asBoolean()).isTrue();
    JsonNode encSummary = JSON.readTree(FcpRun.withStdin(encryptedBytes, "summary", "--format", "json",
        "--decryption-key", secretKey, "-").out());
    assertThat(encSummary.path("sha256").asText()).isEqualTo(sha);
    assertThat(encSummary.path("stored_sha256").asText()).isEqualTo(storedSha);
    assertThat(encSummary.path("encrypted").asBoolean()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"inspect", "summary", "memparse"})
  void anEncryptedArchiveWithoutAKeyIsAOneLineErrorNamingTheOption(String command) {
    FcpRun file = FcpRun.of(command, encrypted.toString());
    FcpRun stdin = FcpRun.withStdin(encryptedBytes, command, "-");
    for (FcpRun run : List.of(file, stdin)) {
      assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
      assertThat(run.err().lines().toList()).hasSize(2);
      assertThat(run.err()).contains("is an OpenPGP-encrypted archive: give a recipient's secret key with"
          + " --decryption-key SECRET_KEY").contains("Try 'fcp " + command + " --help'.");
    }
    assertThat(FcpRun.of("diff", plain.toString(), encrypted.toString()).err()).contains("--decryption-key");
  }

  @Test
  void aKeyThatIsNotARecipientExitsFourAndAnAlteredCiphertextThree() throws IOException {
    FcpRun wrong = FcpRun.of("inspect", "--decryption-key", keyFile("test-only-recipient-a.secret.asc").toString(),
        encrypted.toString());
    assertThat(wrong.exitCode()).isEqualTo(ExitCode.BAD_KEY);
    assertThat(wrong.err()).startsWith("fcp: none of the decryption keys");

    byte[] altered = encryptedBytes.clone();
    altered[altered.length / 2] ^= 1;
    FcpRun tampered = FcpRun.withStdin(altered, "summary", "--decryption-key", secretKey, "-");
    assertThat(tampered.exitCode()).as(tampered.err()).isEqualTo(ExitCode.BAD_ARCHIVE);
    assertThat(tampered.err().lines().toList()).hasSize(1);
    assertThat(tampered.out()).isEmpty();
  }

  @Test
  void memparseOfOneProcessReadsItsPagesAsTheyGoBy() throws IOException {
    FcpRun search = FcpRun.withStdin(encryptedBytes, "memparse", "--decryption-key", secretKey, "--pid", "2956",
        "--search", "ANDROID_ROOT", "--context", "4", "-");
    assertThat(search.exitCode()).as(search.err()).isZero();
    assertThat(search.out()).contains("0000007ffca47bf1  ata.ANDROID_ROOT=/sy  1");
    FcpRun none = FcpRun.withStdin(plainBytes, "memparse", "--pid", "2956", "--search", "no-such-text", "-");
    assertThat(none.exitCode()).isEqualTo(ExitCode.FOUND);
    FcpRun noPid = FcpRun.withStdin(plainBytes, "memparse", "--pid", "1", "-");
    assertThat(noPid.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(noPid.err()).contains("no process with PID 1");
    Path dump = dir.resolve("2956.hex");
    FcpRun hex = FcpRun.withStdin(plainBytes, "memparse", "--pid", "2956", "--output", dump.toString(), "-");
    assertThat(hex.exitCode()).as(hex.err()).isZero();
    assertThat(Files.readAllLines(dump)).hasSize(2 + 163840 / 16);

    // pages before their pagemap (not how the runtimes write it): what to do, not a wrong answer
    FcpRun late = FcpRun.withStdin(FixtureArchives.pagesBeforePagemaps(Flavour.CRIO_OPERATOR), "memparse", "--pid",
        "2956", "--search", "ANDROID_ROOT", "-");
    assertThat(late.exitCode()).isEqualTo(ExitCode.BAD_ARCHIVE);
    assertThat(late.err()).contains("not kept by the streamed read").contains("read the archive from a file");
  }

  @Test
  void aNamedPipeIsReadOnceAsAStream() throws Exception {
    Path fifo = dir.resolve("archive.fifo");
    Process mkfifo;
    try {
      mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.abort("no mkfifo on this machine: " + e.getMessage());
      return;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo failed");
    Thread writer = new Thread(() -> {
      try {
        Files.write(fifo, plainBytes);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    writer.start();
    FcpRun run = FcpRun.of("summary", fifo.toString());
    writer.join(10_000);
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("SHA-256       " + Measurement.of(plainBytes).sha256(), "2956   ./loop2");
  }

  @Test
  void listDecryptsWithTheKeyAndSaysWhatToDoWithout() throws IOException {
    Path listed = Files.createDirectories(dir.resolve("listed"));
    Files.write(listed.resolve("checkpoint-podname_namespace-nginx-2024.tar.gpg"), encryptedBytes);
    FcpRun with = FcpRun.of("list", "--decryption-key", secretKey, listed.toString());
    assertThat(with.exitCode()).as(with.err()).isZero();
    assertThat(with.out()).contains("namespace", "podname", "nginx", "CRI-O", "checkpoint-podname_namespace-nginx-2024.tar.gpg");
    FcpRun without = FcpRun.of("list", listed.toString());
    assertThat(without.exitCode()).isEqualTo(ExitCode.BAD_ARCHIVE);
    assertThat(without.err()).contains("skipping checkpoint-podname_namespace-nginx-2024.tar.gpg").contains("--decryption-key");
  }

  @Test
  void standardInputIsReadOnce() {
    FcpRun diff = FcpRun.withStdin(plainBytes, "diff", "-", "-");
    assertThat(diff.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(diff.err()).contains("standard input (-) can be read once");
    FcpRun inspect = FcpRun.withStdin(plainBytes, "inspect", "-", plain.toString(), "-");
    assertThat(inspect.exitCode()).isEqualTo(ExitCode.USAGE);
  }
}
