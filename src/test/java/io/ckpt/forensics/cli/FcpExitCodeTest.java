package io.ckpt.forensics.cli;

import static io.ckpt.forensics.evidence.EvidenceFixtures.keyFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fcp's exit codes, one per outcome and the same on every command (docs/fcp.md, "Exit codes"), and
 * the one-line usage error with its hint. {@code verify}'s 0/1 are in FcpVerifyTest, diff's 1 in
 * FcpDiffTest.
 */
class FcpExitCodeTest {

  @TempDir
  Path dir;

  private static String archive() {
    return FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();
  }

  @Test
  void zeroWhenDoneAndOneWhenASearchFindsNothingAsGrep() {
    assertThat(FcpRun.of("summary", archive()).exitCode()).isEqualTo(0);
    FcpRun found = FcpRun.of("memparse", "--pid", "2956", "--search", "ANDROID_ROOT", archive());
    assertThat(found.exitCode()).as(found.err()).isEqualTo(0);
    FcpRun none = FcpRun.of("memparse", "--pid", "2956", "--search", "no-such-text-anywhere", archive());
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.out()).contains("No matches");
  }

  @Test
  void twoForAUsageErrorInOneLineWithAHintNotTheWholeHelp() {
    for (String[] args : new String[][] {{"inspect", "--bogus", archive()}, {"inspect"}, {"memparse", "--pid", "x",
        archive()}, {"nosuch"}}) {
      FcpRun run = FcpRun.of(args);
      assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(run.err().lines().toList()).as(run.err()).hasSize(2);
      assertThat(run.err()).startsWith("fcp: ").doesNotContain("Usage:");
      assertThat(run.out()).isEmpty();
    }
    assertThat(FcpRun.of("inspect", "--bogus", archive()).err()).isEqualTo("fcp: Unknown option: '--bogus'\n"
        + "Try 'fcp inspect --help'.\n");
    assertThat(FcpRun.of("nosuch").err()).endsWith("Try 'fcp --help'.\n");
    // a request the archive cannot answer is a usage error too, with the same hint
    FcpRun pid = FcpRun.of("inspect", "--pid", "1", archive());
    assertThat(pid.exitCode()).isEqualTo(2);
    assertThat(pid.err()).contains("no process with PID 1").endsWith("Try 'fcp inspect --help'.\n");
  }

  @Test
  void threeForAMissingOrInvalidArchiveOnEveryCommand() throws IOException {
    Path junk = Files.writeString(dir.resolve("junk.tar"), "garbage-garbage".repeat(100));
    String missing = dir.resolve("missing.tar").toString();
    for (String[] args : new String[][] {{"inspect", junk.toString()}, {"summary", missing}, {"memparse", junk.toString()},
        {"diff", archive(), junk.toString()}, {"inspect", "-"}}) {
      FcpRun run = FcpRun.of(args);
      assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.err()).isEqualTo(3);
      assertThat(run.err().lines().toList()).hasSize(1);
    }
    assertThat(FcpRun.of("summary", missing).err()).isEqualTo("fcp: no such file: " + missing + "\n");
  }

  @Test
  void fourForAnUnusableKey() throws IOException {
    Path notAKey = Files.writeString(dir.resolve("not-a-key.asc"), "hello");
    FcpRun run = FcpRun.of("inspect", "--decryption-key", notAKey.toString(), dir.resolve("x.tar.gpg").toString());
    // the archive is checked first: it is missing
    assertThat(run.exitCode()).isEqualTo(3);
    Path encrypted = Files.write(dir.resolve("x.tar.gpg"), new byte[] {(byte) 0x85, 0x01, 0x0c, 0x03});
    FcpRun bad = FcpRun.of("inspect", "--decryption-key", notAKey.toString(), encrypted.toString());
    assertThat(bad.exitCode()).as(bad.err()).isEqualTo(4);
    assertThat(bad.err()).contains("not an OpenPGP secret key");
    FcpRun absent = FcpRun.of("summary", "--decryption-key", dir.resolve("nope.asc").toString(), encrypted.toString());
    assertThat(absent.exitCode()).isEqualTo(4);
    assertThat(absent.err()).contains("--decryption-key " + dir.resolve("nope.asc") + ": no such file");
    assertThat(keyFile("test-only-recipient-a.secret.asc")).exists();
  }

  @Test
  void theHelpFooterListsTheExitCodes() {
    FcpRun help = FcpRun.of("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out().replaceAll("\\s+", " ")).contains("Exit codes: 0 done; 1 found something (no search match,"
        + " archives differ, a verification check failed); 2 usage error; 3 unreadable or invalid archive; 4 unusable key; 5 registry refused or unreachable (fcp image --push).");
  }
}
