package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.MessageLite;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.criu.Fdinfo.fd_types;
import io.ckpt.forensics.archive.criu.Fdinfo.fdinfo_entry;
import io.ckpt.forensics.archive.criu.Fdinfo.file_entry;
import io.ckpt.forensics.archive.criu.Fown.fown_entry;
import io.ckpt.forensics.archive.criu.SkInet.inet_sk_entry;
import io.ckpt.forensics.archive.criu.SkOpts.sk_opts_entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code fcp diff} on two checkpoints of the loop2 process that really differ: the later one has
 * opened a TCP socket listening on every address and lost its cwd/root record (fs image), as when
 * a process is taken over between two checkpoints.
 */
class FcpDiffTest {

  @Test
  void reportsTheFilesAndSocketsThatAppearedOrVanished() throws IOException {
    Path before = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    Path after = laterCheckpoint();

    FcpRun diff = FcpRun.of("diff", "--files", "--sockets", before.toString(), after.toString());

    assertThat(diff.exitCode()).as("archives that differ exit 1, as diff(1): " + diff.err()).isEqualTo(1);
    assertThat(diff.out()).isEqualTo("""
        Open files
          - 2956 [cwd] /data/local/tmp
          - 2956 [root] /
          + 2956 [INETSK 7] INETSK.100
        Sockets
          + 2956 TCP (LISTEN) 0.0.0.0:8080 -> 0.0.0.0:0
        """);

    FcpRun reversed = FcpRun.of("diff", "--files", "--sockets", after.toString(), before.toString());
    assertThat(reversed.out()).contains("  + 2956 [cwd] /data/local/tmp", "  - 2956 [INETSK 7] INETSK.100",
        "  - 2956 TCP (LISTEN) 0.0.0.0:8080 -> 0.0.0.0:0");
  }

  @Test
  void comparesOnlyWhatTheSelectorsAsk() throws IOException {
    String before = FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();
    String after = laterCheckpoint().toString();

    FcpRun processes = FcpRun.of("diff", before, after);
    FcpRun files = FcpRun.of("diff", "--files", before, after);
    FcpRun sockets = FcpRun.of("diff", "--sockets", before, after);
    FcpRun same = FcpRun.of("diff", "--files", "--sockets", before, before);

    // checkpointctl's meaning: processes always, open files and sockets only when asked
    assertThat(processes.out()).isEqualTo("No differences in processes.\n");
    assertThat(files.out()).contains("Open files\n", "+ 2956 [INETSK 7] INETSK.100").doesNotContain("Sockets");
    assertThat(sockets.out()).isEqualTo("Sockets\n  + 2956 TCP (LISTEN) 0.0.0.0:8080 -> 0.0.0.0:0\n");
    assertThat(same.out()).isEqualTo("No differences in processes, open files or sockets.\n");
  }

  @Test
  void psTreeCmdNamesProcessesByCommandLineAndFlagsAChangedOne() throws IOException {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    Path before = FixtureArchives.scratch("diff").resolve("checkpoint-before.tar");
    try (OutputStream out = Files.newOutputStream(before)) {
      FixtureArchives.write(members, out);
    }
    // the same process with one more argument: argv lives in the stack page, "./loop2\0" then the environment
    Path after = FixtureArchives.scratch("diff").resolve("checkpoint-other-cmdline.tar");
    try (OutputStream out = Files.newOutputStream(after)) {
      FixtureArchives.write(withCommandLine(members, "./loop2", "./loopX"), out);
    }

    FcpRun plain = FcpRun.of("diff", before.toString(), after.toString());
    FcpRun cmd = FcpRun.of("diff", "--ps-tree-cmd", before.toString(), after.toString());

    assertThat(plain.out()).isEqualTo("No differences in processes.\n");
    assertThat(cmd.out()).isEqualTo("Processes\n  ~ 2956 ./loopX (was ./loop2)\n");
  }

  @Test
  void aChangeInMemorySizeIsShownButIsNoDifference() throws IOException {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    String before = FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();
    // one page more of page data (no pagemap entry points at it: the processes read the same)
    members.put("checkpoint/pages-1.img", Arrays.copyOf(members.get("checkpoint/pages-1.img"), 160 * 1024 + 4096));
    Path after = FixtureArchives.scratch("diff").resolve("checkpoint-more-memory.tar");
    try (OutputStream out = Files.newOutputStream(after)) {
      FixtureArchives.write(members, out);
    }

    FcpRun text = FcpRun.of("diff", before, after.toString());
    FcpRun json = FcpRun.of("diff", "--format", "json", before, after.toString());

    assertThat(text.out()).isEqualTo("No differences in processes.\nMemory pages  160.0 KiB -> 164.0 KiB (+4.0 KiB)\n");
    assertThat(json.out()).contains("\"size_change_bytes\" : 4096").contains("\"changes\" : 0");
  }

  /** The members with the command line's text replaced in the page data (same length: nothing moves). */
  private static Map<String, byte[]> withCommandLine(Map<String, byte[]> members, String from, String to) {
    byte[] pages = members.get("checkpoint/pages-1.img").clone();
    byte[] needle = (from + "\0").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] replacement = (to + "\0").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = indexOf(pages, needle);
    assertThat(at).as("command line in pages-1.img").isNotNegative();
    System.arraycopy(replacement, 0, pages, at, replacement.length);
    Map<String, byte[]> copy = new java.util.LinkedHashMap<>(members);
    copy.put("checkpoint/pages-1.img", pages);
    return copy;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The fixture with fd 7 a listening TCP socket (file id 100) and without fs-2956.img. */
  static Path laterCheckpoint() throws IOException {
    return laterCheckpoint(false);
  }

  /**
   * The fixture with fd 7 a listening TCP socket (file id 100); with {@code keepCwdAndRoot} its
   * fs-2956.img stays (checkpointctl v1.6.0 cannot read an archive without it).
   */
  static Path laterCheckpoint(boolean keepCwdAndRoot) throws IOException {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    if (!keepCwdAndRoot) {
      members.remove("checkpoint/fs-2956.img");
    }
    fown_entry nobody = fown_entry.newBuilder().setUid(0).setEuid(0).setSignum(0).setPidType(0).setPid(0).build();
    inet_sk_entry listening = inet_sk_entry.newBuilder().setId(100).setIno(4711).setFamily(2).setType(1).setProto(6)
        .setState(10).setSrcPort(8080).setDstPort(0).setFlags(2).setBacklog(128).addSrcAddr(0).addDstAddr(0)
        .setFown(nobody).setOpts(sk_opts_entry.newBuilder().setSoSndbuf(16384).setSoRcvbuf(131072)
            .setSoSndTmoSec(0).setSoSndTmoUsec(0).setSoRcvTmoSec(0).setSoRcvTmoUsec(0))
        .build();
    // CRIU images are a magic header followed by length-prefixed entries: appending one is valid
    append(members, "checkpoint/files.img",
        file_entry.newBuilder().setType(fd_types.INETSK).setId(100).setIsk(listening).build());
    append(members, "checkpoint/fdinfo-2.img",
        fdinfo_entry.newBuilder().setId(100).setFlags(2).setType(fd_types.INETSK).setFd(7).build());
    Path file = FixtureArchives.scratch("diff").resolve(keepCwdAndRoot ? "checkpoint-later-socket.tar"
        : "checkpoint-later.tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(members, out);
    }
    return file;
  }

  private static void append(Map<String, byte[]> members, String name, MessageLite entry) throws IOException {
    ByteArrayOutputStream image = new ByteArrayOutputStream();
    image.write(members.get(name));
    byte[] body = entry.toByteArray();
    image.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array());
    image.write(body);
    members.put(name, image.toByteArray());
  }
}
