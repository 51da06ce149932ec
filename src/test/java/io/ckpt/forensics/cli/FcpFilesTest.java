package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FileChangeFixtures;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fcp files, extract and summary's file lines on a checkpoint built at test time ({@link FileChangeFixtures}),
 * from a file, from standard input and gzip'd: the values are the ones the fixture wrote.
 */
class FcpFilesTest {

  @TempDir
  Path dir;

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void listsWrittenDeletedAndTmpfsEntriesWithTheirDigests() throws Exception {
    Path a = FileChangeFixtures.write();
    FcpRun r = FcpRun.of("files", a.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<String> lines = r.out().lines().map(l -> l.replaceAll(" {2,}", "|")).toList();
    assertThat(lines).contains(
        "written|file|-rwxr-xr-x|app:app|43 B|2024-01-27T18:31:45Z|" + sha256(FileChangeFixtures.SCRIPT)
            + "|/tmp/evilscript.sh",
        "written|symlink|lrw-r--r--|0:0|0 B|2024-01-27T18:30:45Z|-|/tmp/shadow -> /etc/shadow",
        "written|hardlink|hrw-r--r--|0:0|0 B|2024-01-27T18:30:45Z|-|/tmp/again.sh => tmp/evilscript.sh",
        "written|char|crw--w----|0:0|1,1|2024-01-27T18:30:45Z|-|/dev/mem2",
        "written|sparse|-rw-r--r--|1000:1000|1.0 MiB|2024-01-27T18:30:45Z|-|/var/tmp/sparse.img",
        "deleted|-|-|-|-|-|-|/etc/motd",
        "tmpfs|file|-rwx------|app:app|16 B|2024-01-27T18:31:45Z|" + sha256(FileChangeFixtures.ELF) + "|/dev/shm/.cache",
        "14 written, 2 deleted, 4 in tmpfs");
    assertThat(r.out()).contains("/" + FileChangeFixtures.LONG_NAME, "/tmp/café.txt", "/../escape.sh|(unsafe name)"
        .replace("|", "  "), "/dev/shm/ notes");
  }

  @Test
  void filtersByGlobTimeTypeAndChange() {
    String a = FileChangeFixtures.write().toString();
    assertThat(FcpRun.of("files", "--path", "*.sh", a).out()).contains("/tmp/evilscript.sh", "/../escape.sh")
        .doesNotContain("/tmp/shadow").contains("3 written, 0 deleted, 0 in tmpfs");
    assertThat(FcpRun.of("files", "--path", "/dev/shm/**", a).out()).contains("0 written, 0 deleted, 3 in tmpfs");
    assertThat(FcpRun.of("files", "--newer", "2024-01-27T18:31:00Z", "--type", "file", a).out())
        .contains("/tmp/evilscript.sh").doesNotContain("/etc/motd", "/tmp/shadow", "sparse.img");
    assertThat(FcpRun.of("files", "--change", "deleted", a).out()).contains("0 written, 2 deleted, 0 in tmpfs");
    assertThat(FcpRun.of("files", "--type", "socket", a).exitCode()).isEqualTo(2);
    assertThat(FcpRun.of("files", "--newer", "yesterday", a).exitCode()).isEqualTo(2);
  }

  @Test
  void readsStandardInputAndGzipInOnePassWithTheSameResult() throws Exception {
    Path a = FileChangeFixtures.write();
    String fromFile = FcpRun.of("files", a.toString()).out();
    FcpRun stdin = FcpRun.withStdin(Files.readAllBytes(a), "files", "-");
    assertThat(stdin.exitCode()).as(stdin.err()).isZero();
    assertThat(stdin.out()).isEqualTo(fromFile);
    Path gz = dir.resolve("checkpoint.tar.gz");
    try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(a));
    }
    assertThat(FcpRun.of("files", gz.toString()).out()).isEqualTo(fromFile.replace(a.toString(), gz.toString()));
  }

  @Test
  void controlAndBidiCharactersInNamesAreEscaped() throws Exception {
    java.util.Map<String, byte[]> m = FileChangeFixtures.members();
    java.io.ByteArrayOutputStream inner = new java.io.ByteArrayOutputStream();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(inner)) {
      tar.setAddPaxHeadersForNonAsciiNames(true);
      var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("tmp/\u001b[2Jx\u202egnp.sh");
      e.setSize(0);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
    }
    m.put("rootfs-diff.tar", inner.toByteArray());
    Path a = dir.resolve("control.tar");
    try (var out = Files.newOutputStream(a)) {
      FixtureArchives.write(m, out);
    }
    FcpRun text = FcpRun.of("files", a.toString());
    assertThat(text.out()).contains("/tmp/\\x1b[2Jx\\u202egnp.sh").doesNotContain("\u001b").doesNotContain("\u202e");
    FcpRun json = FcpRun.of("files", "--format", "json", a.toString());
    assertThat(json.out()).contains("/tmp/\\u001B[2Jx\\u202Egnp.sh");
  }

  @Test
  void anArchiveWithoutChangesSaysSo() {
    FcpRun r = FcpRun.of("files", FixtureArchives.write(Flavour.CRIO_OPERATOR).toString());
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("No file changes recorded in").contains("0 written, 0 deleted, 0 in tmpfs");
  }

  @Test
  void extractWritesANewPrivateFileAndItsDigest() throws Exception {
    String a = FileChangeFixtures.write().toString();
    Path out = dir.resolve("evil.sh");
    FcpRun r = FcpRun.of("extract", a, "/tmp/evilscript.sh", "-o", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(Files.readAllBytes(out)).isEqualTo(FileChangeFixtures.SCRIPT);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
    assertThat(r.out()).contains("SHA-256 " + sha256(FileChangeFixtures.SCRIPT), "from rootfs-diff.tar");
    // never overwrites, also from a tmpfs image
    assertThat(FcpRun.of("extract", a, "/tmp/evilscript.sh", "-o", out.toString()).exitCode()).isEqualTo(2);
    Path cache = dir.resolve("cache");
    FcpRun t = FcpRun.of("extract", a, "/dev/shm/.cache", "-o", cache.toString());
    assertThat(t.exitCode()).as(t.err()).isZero();
    assertThat(Files.readAllBytes(cache)).isEqualTo(FileChangeFixtures.ELF);
  }

  @Test
  void extractToStandardOutputWritesOnlyTheBytesThereAndReportsOnStderr() throws Exception {
    String a = FileChangeFixtures.write().toString();
    java.io.PrintStream real = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    FcpRun r;
    System.setOut(new java.io.PrintStream(bytes, true));
    try {
      r = FcpRun.of("extract", a, "/tmp/evilscript.sh", "-o", "-");
    } finally {
      System.setOut(real);
    }
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(bytes.toByteArray()).isEqualTo(FileChangeFixtures.SCRIPT);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("to standard output", "SHA-256 " + sha256(FileChangeFixtures.SCRIPT));
  }

  @Test
  void extractRefusesLinksDevicesDotDotAndPlantedLinks() throws Exception {
    String a = FileChangeFixtures.write().toString();
    for (String[] c : List.of(new String[] {"/tmp/shadow", "symbolic link to /etc/shadow"},
        new String[] {"/dev/mem2", "device node"}, new String[] {"/tmp", "is a directory"},
        new String[] {"/tmp/again.sh", "hard link"}, new String[] {"/etc/motd", "deleted path"},
        new String[] {"/../escape.sh", "'..'"}, new String[] {"/tmp/../etc/passwd", "'..'"})) {
      Path out = dir.resolve("out-" + Math.abs(c[0].hashCode()));
      FcpRun r = FcpRun.of("extract", a, c[0], "-o", out.toString());
      assertThat(r.exitCode()).as(c[0] + ": " + r.err()).isEqualTo(2);
      assertThat(r.err()).contains(c[1]);
      assertThat(out).doesNotExist();
    }
    FcpRun missing = FcpRun.of("extract", a, "/nowhere", "-o", dir.resolve("n").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(dir.resolve("n")).doesNotExist();
    Path victim = dir.resolve("victim");
    Files.writeString(victim, "keep");
    Path planted = dir.resolve("planted");
    Files.createSymbolicLink(planted, victim);
    assertThat(FcpRun.of("extract", a, "/tmp/evilscript.sh", "-o", planted.toString()).exitCode()).isEqualTo(2);
    assertThat(Files.readString(victim)).isEqualTo("keep");
  }

  @Test
  void diffWrittenShowsFilesThatAppearedVanishedOrChanged() throws Exception {
    Path before = FileChangeFixtures.write();
    java.util.Map<String, byte[]> later = FileChangeFixtures.members();
    java.io.ByteArrayOutputStream inner = new java.io.ByteArrayOutputStream();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(inner)) {
      for (String[] f : List.of(new String[] {"tmp/evilscript.sh", "#!/bin/sh\nrm -rf /\n"},
          new String[] {"tmp/new.sh", "echo\n"})) {
        var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(f[0]);
        e.setSize(f[1].length());
        e.setMode(0100755);
        tar.putArchiveEntry(e);
        tar.write(f[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        tar.closeArchiveEntry();
      }
    }
    later.put("rootfs-diff.tar", inner.toByteArray());
    Path after = dir.resolve("later.tar");
    try (var out = Files.newOutputStream(after)) {
      FixtureArchives.write(later, out);
    }
    FcpRun r = FcpRun.of("diff", "--written", before.toString(), after.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.out()).contains("Files written, deleted or in tmpfs", "+ written /tmp/new.sh file 5 B",
        "- written /usr/local/bin/kworker file 16 B", "~ written /tmp/evilscript.sh file 19 B")
        .doesNotContain("/dev/shm/.cache", "/etc/motd");
    assertThat(FcpRun.of("diff", "--written", before.toString(), before.toString()).out())
        .contains("No differences in processes or files written, deleted or in tmpfs.");
  }

  @Test
  void summaryCountsTheChangesAndNamesWhatIsWorthALook() {
    FcpRun r = FcpRun.of("summary", FileChangeFixtures.write().toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("Files         14 written, 2 deleted, 4 in tmpfs (fcp files lists them)",
        "executable written in a scratch directory: /tmp/evilscript.sh (exec bits)",
        "executable kept in tmpfs /dev/shm in a scratch directory: /dev/shm/.cache (ELF)",
        "file written into a system or persistence location: /usr/local/bin/kworker",
        "file written into a system or persistence location: /root/.ssh/authorized_keys",
        "file written into a system or persistence location: /etc/cron.d/update",
        "hidden name in tmpfs /dev/shm: /dev/shm/.cache", "hidden name in tmpfs /dev/shm: /dev/shm/ notes",
        "rootfs-diff.tar holds a name that escapes the container's root: /../escape.sh");
    assertThat(r.out()).doesNotContain("persistence location: /var/log/app.log", "scratch directory: /tmp/libnotes.so (exec");
  }
}
