package io.ckpt.forensics.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code gpg} decrypts what a custody copy stored, and the plaintext's SHA-256 is the one
 * the signed record gives: an analyst needs nothing of ours to read the evidence.
 */
class GpgDecryptsEvidenceTest {

  @TempDir
  Path dir;

  @Test
  void gpgDecryptsStoredEvidenceToThePlaintextTheRecordDigests() throws IOException {
    Path gpg = Path.of("/usr/bin/gpg");
    if (!Files.isExecutable(gpg)) {
      ExternalTool.unavailable("GpgDecryptsEvidenceTest", "no gpg at " + gpg + " (Debian: apt-get install gnupg)");
    }
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(3 << 20, 42),
        List.of(EvidenceFixtures.keyFile("test-only-recipient-a.pub.asc"),
            EvidenceFixtures.keyFile("test-only-recipient-b.pub.gpg")),
        EvidenceFixtures.newSigningKey(dir, "EC"), null, null);
    Path evidence = Files.write(dir.resolve("evidence.tar.gpg"), stored.stored());

    for (String secretKey : List.of("test-only-recipient-a.secret.asc", "test-only-recipient-b.secret.asc")) {
      // a short home (the agent's socket path has a length limit), private as gpg wants it
      Path home = Files.createTempDirectory("gpg");
      try {
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", home.toString());
        ExternalTool.Result imported = ExternalTool.run(List.of(gpg.toString(), "--batch", "--import",
            EvidenceFixtures.keyFile(secretKey).toString()), dir, env);
        assertThat(imported.exitCode()).as("gpg --import: %s", imported.err()).isZero();
        Path plaintext = dir.resolve(secretKey + ".tar");
        ExternalTool.Result decrypted = ExternalTool.run(List.of(gpg.toString(), "--batch", "--pinentry-mode", "loopback",
            "--passphrase", "", "--output", plaintext.toString(), "--decrypt", evidence.toString()), dir, env);

        assertThat(decrypted.exitCode()).as("gpg --decrypt with %s: %s", secretKey, decrypted.err()).isZero();
        assertThat(Measurement.of(Files.readAllBytes(plaintext)))
            .isEqualTo(stored.record().statement().predicate().plaintext());
        // gpg checked the integrity code: it warns when a message has none
        assertThat(decrypted.err()).doesNotContain("not integrity protected");
      } finally {
        ExternalTool.run(List.of("gpgconf", "--kill", "gpg-agent"), dir, Map.of("GNUPGHOME", home.toString()));
        deleteTree(home);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
