package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** {@code memparse --output} writes memory (secrets) to a new file only its owner can read. */
class MemparseOutputFileTest {

  @Test
  void createsANewOwnerOnlyFileAndRefusesAnExistingOne() throws Exception {
    Path archive = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    Path dir = FixtureArchives.scratch("memparse-output");
    Path dump = dir.resolve("new.hex");
    Files.deleteIfExists(dump);
    FcpRun ok = FcpRun.of("memparse", "--pid", "2956", "--output", dump.toString(), archive.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dump))).isEqualTo("rw-------");

    Path existing = dir.resolve("existing.hex");
    Files.writeString(existing, "keep me");
    FcpRun refused = FcpRun.of("memparse", "--pid", "2956", "--output", existing.toString(), archive.toString());
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).contains("already exists");
    assertThat(Files.readString(existing)).isEqualTo("keep me");
  }

  @Test
  void aRunawayRegexEndsWithANoteInsteadOfHanging() throws Exception {
    Path archive = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    FcpRun r = FcpRun.of("memparse", "--pid", "2956", "--time-limit", "1", "--search-regex",
        "\\x00*\\x00*\\x00*\\x00*\\x00*\\x00*\\x00*Q", archive.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("Search stopped early by the time budget of 1000 ms");
  }
}
