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

    FcpRun diff = FcpRun.of("diff", before.toString(), after.toString());

    assertThat(diff.exitCode()).as("archives that differ exit 1, as diff(1): " + diff.err()).isEqualTo(1);
    assertThat(diff.out()).doesNotContain("No differences").doesNotContain("Processes")
        .contains("Open files\n  - 2956 [cwd] /data/local/tmp\n  - 2956 [root] /\n  + 2956 [INETSK 7] INETSK.100\n")
        .contains("Sockets\n  + 2956 TCP (LISTEN) 0.0.0.0:8080 -> 0.0.0.0:0\n");

    FcpRun reversed = FcpRun.of("diff", after.toString(), before.toString());
    assertThat(reversed.out()).contains("  + 2956 [cwd] /data/local/tmp", "  - 2956 [INETSK 7] INETSK.100",
        "  - 2956 TCP (LISTEN) 0.0.0.0:8080 -> 0.0.0.0:0");
  }

  /** The fixture with fd 7 a listening TCP socket (file id 100) and without fs-2956.img. */
  private static Path laterCheckpoint() throws IOException {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    members.remove("checkpoint/fs-2956.img");
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
    Path file = FixtureArchives.scratch("diff").resolve("checkpoint-later.tar");
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
