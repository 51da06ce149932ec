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

  /** A key gpg made and protected with a passphrase opens our evidence with that passphrase only. */
  @Test
  void aPassphraseProtectedKeyFromGpgDecryptsWithItsPassphrase() throws IOException {
    Path gpg = Path.of("/usr/bin/gpg");
    if (!Files.isExecutable(gpg)) {
      ExternalTool.unavailable("GpgDecryptsEvidenceTest", "no gpg at " + gpg + " (Debian: apt-get install gnupg)");
    }
    Path home = Files.createTempDirectory("gpg");
    Map<String, String> env = Map.of("GNUPGHOME", home.toString());
    try {
      Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      List<String> batch = List.of(gpg.toString(), "--batch", "--pinentry-mode", "loopback", "--passphrase", "correct horse");
      run(batch, env, "--quick-gen-key", "Protected <protected@example.invalid>", "ed25519", "cert", "never");
      String fingerprint = run(List.of(gpg.toString(), "--batch"), env, "--with-colons", "--list-keys",
          "protected@example.invalid").lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
      run(batch, env, "--quick-add-key", fingerprint, "cv25519", "encr", "never");
      Path publicKey = Files.writeString(dir.resolve("protected.pub.asc"),
          run(List.of(gpg.toString(), "--batch"), env, "--export", "--armor", fingerprint));
      Path secretKey = Files.writeString(dir.resolve("protected.secret.asc"),
          run(batch, env, "--export-secret-keys", "--armor", fingerprint));
      EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(10_000, 9), List.of(publicKey),
          EvidenceFixtures.newSigningKey(dir, "Ed25519"), null, null);

      byte[] plaintext;
      try (var in = OpenPgpDecryption.withSecretKeys(List.of(secretKey), "correct horse".toCharArray())
          .decrypt(new java.io.ByteArrayInputStream(stored.stored()))) {
        plaintext = in.readAllBytes();
      }
      assertThat(plaintext).isEqualTo(stored.plaintext());
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> OpenPgpDecryption.withSecretKeys(List.of(secretKey),
          "wrong".toCharArray()).decrypt(new java.io.ByteArrayInputStream(stored.stored())))
          .isInstanceOf(KeyFileException.class).hasMessageContaining("wrong or missing passphrase");
    } finally {
      ExternalTool.run(List.of("gpgconf", "--kill", "gpg-agent"), dir, env);
      deleteTree(home);
    }
  }

  private String run(List<String> gpg, Map<String, String> env, String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(gpg);
    command.addAll(List.of(args));
    ExternalTool.Result result = ExternalTool.run(command, dir, env);
    assertThat(result.exitCode()).as("%s: %s", String.join(" ", args), result.err()).isZero();
    return result.out();
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
