package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ckpt.forensics.analysis.CheckpointReport;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.ReadLimits;
import io.ckpt.forensics.archive.criu.Pstree.pstree_entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A pstree.img with 100 000 entries for one PID and a parent loop (2956 and 77 each the other's
 * parent): each PID is read and shown once, the repetition and the loop are reported, and the
 * process count and the command-line/environment bytes kept stay under {@link ReadLimits}.
 */
class HostileProcessTreeTest {

  private static final int DUPLICATES = 100_000;

  static Path loopingArchive() throws IOException {
    Map<String, byte[]> m = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    byte[] image = m.get("checkpoint/pstree.img");
    int len = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    pstree_entry original = pstree_entry.parseFrom(java.util.Arrays.copyOfRange(image, 12, 12 + len));
    pstree_entry looped = original.toBuilder().setPpid(77).build();
    pstree_entry other = original.toBuilder().setPid(77).setPpid(original.getPid()).clearThreads().addThreads(77).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(image, 0, 8);
    for (int i = 0; i < DUPLICATES; i++) {
      entry(out, looped);
    }
    entry(out, other);
    m.put("checkpoint/pstree.img", out.toByteArray());
    m.put("checkpoint/core-77.img", m.get("checkpoint/core-" + original.getPid() + ".img"));
    Path file = FixtureArchives.scratch("process-tree").resolve("looping.tar");
    try (OutputStream o = Files.newOutputStream(file)) {
      FixtureArchives.write(m, o);
    }
    return file;
  }

  private static void entry(ByteArrayOutputStream out, pstree_entry e) throws IOException {
    byte[] body = e.toByteArray();
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array());
    out.write(body);
  }

  @Test
  void duplicatesAndLoopsAreReportedAndShownOnce() throws Exception {
    Path archive = loopingArchive();
    CheckpointReport r;
    try (CheckpointTar tar = CheckpointTar.open(archive)) {
      r = CheckpointReport.read(tar);
    }
    assertThat(r.processes()).extracting(p -> p.task().pid()).containsExactly(2956, 77);
    assertThat(r.problems()).anySatisfy(s -> assertThat(s).contains("PID 2956 " + DUPLICATES + " times"))
        .anySatisfy(s -> assertThat(s).startsWith("parent loop: PID 2956 -> 77 -> 2956"));
    assertThat(r.roots()).hasSize(1);

    FcpRun tree = assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> FcpRun.of("inspect", "--ps-tree", archive.toString()));
    assertThat(tree.exitCode()).as(tree.err()).isZero();
    assertThat(tree.out().split("\\[2956\\]", -1)).hasSize(2);
    assertThat(tree.out().split("\\[77\\]", -1)).hasSize(2);
    assertThat(tree.out()).contains("Process tree problems", "parent loop");
    FcpRun json = FcpRun.of("inspect", "--ps-tree", "--format", "json", archive.toString());
    assertThat(json.out()).contains("\"process_tree_problems\"");
    assertThat(FcpRun.of("summary", archive.toString()).out()).contains("Tree problems", "parent loop");
  }

  @Test
  void processCountAndKeptTextAreCapped() throws Exception {
    Path archive = loopingArchive();
    ReadLimits d = ReadLimits.DEFAULT;
    try (CheckpointTar tar = CheckpointTar.open(archive,
        new ReadLimits(d.maxMemberBytes(), d.maxMembers(), d.maxExpandedBytes(), d.maxExpansionRatio(), 1, 4))) {
      CheckpointReport r = CheckpointReport.read(tar);
      assertThat(r.processes()).hasSize(1);
      assertThat(r.processes().get(0).commandLine()).isEmpty();
      assertThat(r.processes().get(0).environment()).isEmpty();
      assertThat(r.problems()).anySatisfy(s -> assertThat(s).contains("1 more entries beyond the limit of 1"))
          .anySatisfy(s -> assertThat(s).contains("past the limit of 4 bytes"));
    }
    try (CheckpointTar tar = CheckpointTar.open(archive)) {
      assertThat(CheckpointReport.read(tar).processes().get(0).commandLine()).isNotEmpty();
    }
  }
}
