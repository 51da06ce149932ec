package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.criu.Core.core_entry;
import io.ckpt.forensics.archive.criu.Fdinfo.file_entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A hostile archive plants terminal escape sequences, C1 controls and bidi overrides in a process
 * name, a command line, file paths, annotations and a member name; no fcp command lets one reach
 * its output raw (they appear escaped, through {@link UntrustedText}).
 */
class UntrustedOutputTest {

  /** ESC [ 2 J clears the screen; U+202E reverses what follows; U+0085 is a C1 newline; BEL ends OSC. */
  static final String EVIL = "\u001b[2J\u202e\u0085\u2066\u0007\u009b31m\u007f\u200f";

  @Test
  void escapesUnsafeCharactersAndLeavesOrdinaryTextAlone() {
    assertThat(UntrustedText.escape("./loop2 -x /data/é ↑ ↓ └──")).isEqualTo("./loop2 -x /data/é ↑ ↓ └──");
    assertThat(UntrustedText.escape("a\u001b[2Jb\u202ec\n\t\u0085\u007f\u2069\u200e"))
        .isEqualTo("a\\x1b[2Jb\\u202ec\\x0a\\x09\\x85\\x7f\\u2069\\u200e");
  }

  @Test
  void noCommandPrintsArchiveTextRaw() throws IOException {
    Path benign = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    Path hostile = hostileArchive();
    Path dir = hostile.getParent();
    List<FcpRun> runs = new ArrayList<>();
    runs.add(FcpRun.of("inspect", "--all", "--show-secrets", hostile.toString()));
    runs.add(FcpRun.of("inspect", "--all", "--format", "json", hostile.toString()));
    runs.add(FcpRun.of("summary", hostile.toString()));
    runs.add(FcpRun.of("list", dir.toString()));
    runs.add(FcpRun.of("diff", "--ps-tree-cmd", "--files", "--sockets", benign.toString(), hostile.toString()));
    runs.add(FcpRun.of("memparse", hostile.toString()));
    runs.add(FcpRun.of("memparse", "--pid", "2956", "--search-regex", "\\x1b\\[2J", "--context", "8",
        hostile.toString()));
    runs.add(FcpRun.of("inspect", "--ps-tree", brokenMemberArchive().toString()));
    // every JSON document: the exact value, with the unsafe characters as \\u escapes
    runs.add(FcpRun.of("summary", "--format", "json", hostile.toString()));
    runs.add(FcpRun.of("list", "--format", "json", dir.toString()));
    runs.add(FcpRun.of("diff", "--ps-tree-cmd", "--files", "--sockets", "--format", "json", benign.toString(),
        hostile.toString()));
    runs.add(FcpRun.of("memparse", "--format", "json", hostile.toString()));
    runs.add(FcpRun.of("memparse", "--pid", "2956", "--search-regex", "\\x1b\\[2J", "--context", "8", "--format",
        "json", hostile.toString()));
    for (FcpRun r : runs) {
      assertNoRawUnsafeCharacter(r.out());
      assertNoRawUnsafeCharacter(r.err());
    }
    // and the planted text is there, escaped: the test looks at output that quotes it
    assertThat(runs.get(0).out()).contains("\\x1b[2J\\u202e")
        .contains("[2956]  \\x1b[2J\\u202e") // command line (--ps-tree-cmd)
        .contains("/data/local/tmp\\x1b[2J") // a file path
        .contains("evil: x\\x1b[2J"); // an annotation
    assertThat(FcpRun.of("inspect", "--ps-tree", hostile.toString()).out()).contains("lo\\x1b[2J"); // comm
    assertThat(runs.get(1).out()).contains("\\u001B[2J\\u202E").contains("\\u0085").contains("\\u007F");
    assertThat(new ObjectMapper().readTree(runs.get(1).out()).get(0).path("metadata").path("annotations")
        .path("evil").asText()).isEqualTo("x" + EVIL);
    assertThat(runs.get(2).out()).contains("\\x1b[2J");
    assertThat(runs.get(3).out()).contains("pod\\x1b[2J");
    assertThat(runs.get(4).out()).contains("~ 2956 \\x1b[2J").contains("/data/local/tmp\\x1b[2J");
    assertThat(runs.get(5).out()).contains("lo\\x1b[2J");
    assertThat(runs.get(7).err()).contains("mountpoints-\\x1b[2J\\u202e");
    // summary, list and memparse 0; diff 1 (the archives differ, as diff(1))
    List<Integer> exitCodes = List.of(0, 0, 1, 0);
    for (int i = 8; i < runs.size() - 1; i++) {
      FcpRun json = runs.get(i);
      assertThat(json.exitCode()).as(json.err()).isEqualTo(exitCodes.get(i - 8));
      assertThat(json.out()).contains("\\u001B[2J");
    }
    // a memory match is shown one character a byte, non-printable bytes as '.'
    assertThat(runs.get(runs.size() - 1).out()).contains("\"text\" : \".........[2J");
  }

  private static void assertNoRawUnsafeCharacter(String output) {
    for (int i = 0; i < output.length(); i++) {
      char c = output.charAt(i);
      if (c != '\n' && UntrustedText.isUnsafe(c)) {
        throw new AssertionError(String.format("raw U+%04X at %d in:%n%s", (int) c, i, UntrustedText.escape(output)));
      }
    }
  }

  /** The fixture with EVIL in comm, command line, file paths, annotations and pod name. */
  static Path hostileArchive() throws IOException {
    Map<String, byte[]> m = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    m.put("checkpoint/core-2956.img", rewrite(m.get("checkpoint/core-2956.img"), core_entry.parser(),
        c -> c.toBuilder().setTc(c.getTc().toBuilder().setComm("lo" + EVIL)).build()));
    m.put("checkpoint/files.img", rewrite(m.get("checkpoint/files.img"), file_entry.parser(),
        f -> f.hasReg() ? f.toBuilder().setReg(f.getReg().toBuilder().setName(f.getReg().getName() + EVIL)).build() : f));
    // the command line "./loop2" in the arguments block of the dumped stack, overwritten in place
    byte[] pages = m.get("checkpoint/pages-1.img").clone();
    byte[] arg = "./loop2\0".getBytes(StandardCharsets.ISO_8859_1);
    byte[] evil = "\u001b[2J\u202e".getBytes(StandardCharsets.UTF_8);
    int replaced = 0;
    for (int i = 0; i + arg.length <= pages.length; i++) {
      if (java.util.Arrays.equals(pages, i, i + arg.length, arg, 0, arg.length)) {
        System.arraycopy(evil, 0, pages, i, evil.length);
        replaced++;
      }
    }
    assertThat(replaced).isPositive();
    m.put("checkpoint/pages-1.img", pages);
    ObjectMapper json = new ObjectMapper();
    ObjectNode spec = (ObjectNode) json.readTree(m.get("spec.dump"));
    ObjectNode annotations = (ObjectNode) spec.path("annotations");
    annotations.put("evil", "x" + EVIL);
    annotations.put("io.kubernetes.pod.name", "pod" + EVIL);
    annotations.put("io.kubernetes.cri-o.Metadata", "{\"name\":\"ng" + EVIL.replace("\u001b", "\\u001b")
        .replace("\u0007", "\\u0007") + "\",\"attempt\":12}");
    m.put("spec.dump", json.writeValueAsBytes(spec));
    Path dir = FixtureArchives.scratch("untrusted-list");
    Path file = dir.resolve("hostile.tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(m, out);
    }
    return file;
  }

  /** The fixture plus a broken mount-point image whose name carries an escape sequence. */
  private static Path brokenMemberArchive() throws IOException {
    Map<String, byte[]> m = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    m.put("checkpoint/mountpoints-\u001b[2J\u202e.img", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    Path file = FixtureArchives.scratch("untrusted-broken").resolve("broken.tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(m, out);
    }
    return file;
  }

  /** Rewrites each entry of a CRIU image (8 bytes of magic, then u32-length-prefixed entries). */
  static <T extends Message> byte[] rewrite(byte[] image, Parser<T> parser, UnaryOperator<T> change)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(image, 0, 8);
    ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 8;
    while (pos < image.length) {
      int len = b.getInt(pos);
      byte[] body = change.apply(parser.parseFrom(ByteString.copyFrom(image, pos + 4, len))).toByteArray();
      out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array());
      out.write(body);
      pos += 4 + len;
    }
    return out.toByteArray();
  }
}
