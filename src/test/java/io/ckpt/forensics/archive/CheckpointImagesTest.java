package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Decoded values of the aarch64 loop2 images checked against src/test/resources/fixtures/README.md. */
class CheckpointImagesTest {

  @Test
  void decodesTheProcessTreeFromTheImagesNotTheHost() throws Exception {
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CRIO_OPERATOR))) {
      CheckpointImages images = CheckpointImages.of(tar).orElseThrow();
      List<CheckpointedProcess> ps = images.processes();
      assertThat(ps).hasSize(1);
      CheckpointedProcess p = ps.get(0);
      assertThat(p.pid()).isEqualTo(2956);
      assertThat(p.ppid()).isZero();
      assertThat(p.pgid()).isEqualTo(2956);
      assertThat(p.sid()).isEqualTo(1945);
      assertThat(p.comm()).isEqualTo("loop2");
      assertThat(p.state()).isEqualTo(TaskState.ALIVE);
      assertThat(p.architecture()).isEqualTo("AARCH64");
      assertThat(p.registers()).containsEntry("pc", "0x40053ea4").containsEntry("sp", "0x7ffca46a90")
          .containsKey("regs[30]");
      assertThat(p.executable()).isEqualTo("/data/local/tmp/loop2");
      assertThat(p.files()).extracting(OpenFile::label, OpenFile::path).containsExactly(
          org.assertj.core.groups.Tuple.tuple("TTY 0", "TTY.5"), org.assertj.core.groups.Tuple.tuple("TTY 1", "TTY.5"),
          org.assertj.core.groups.Tuple.tuple("TTY 2", "TTY.5"),
          org.assertj.core.groups.Tuple.tuple("cwd", "/data/local/tmp"), org.assertj.core.groups.Tuple.tuple("root", "/"));
      assertThat(p.sockets()).isEmpty();
      assertThat(images.inventory().orElseThrow().getImgVersion()).isEqualTo(2);
      assertThat(images.timeNamespace().orElseThrow().getMonotonic().getTvSec()).isEqualTo(276);
      assertThat(images.ttys()).singleElement().satisfies(t -> assertThat(t.getRdev()).isEqualTo(52291));
    }
  }

  @Test
  void readsMemoryByPagemapOffsetWithTheImagesPageSize() throws Exception {
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CRIO_OPERATOR))) {
      CheckpointImages images = CheckpointImages.of(tar).orElseThrow();
      ProcessMemory mem = images.memory(2956);
      assertThat(mem.pageSize()).isEqualTo(4096);
      assertThat(mem.runs()).hasSize(19);
      assertThat(mem.pagemapBytes()).isEqualTo(160 * 1024);
      assertThat(mem.dumpedBytes()).isEqualTo(163840);
      assertThat(mem.sharedBytes()).isEqualTo(268 * 1024);
      assertThat(mem.commandLine()).isEqualTo("./loop2 ");
      List<String> env = mem.environment();
      assertThat(env).hasSize(13).contains("ANDROID_DATA=/data", "ANDROID_ROOT=/system", "HOSTNAME=console");
      assertThat(images.memoryAreas(2956)).hasSize(24);
      var hits = new MemorySearch(MemorySearch.literal("ANDROID_ROOT"), 4, 0, -1, 100).search(mem);
      assertThat(hits).isNotEmpty();
      assertThat(hits.get(0).text()).contains("ANDROID_ROOT");
      var regex = new MemorySearch(Pattern.compile("HOSTNAME=[a-z]+"), 0, 0, -1, 100).search(mem);
      assertThat(regex).extracting(MemorySearch.Hit::text).contains("HOSTNAME=console");
    }
  }

  @Test
  void readsStatisticsOfBothStatsImages() throws Exception {
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CRIO_OPERATOR))) {
      DumpStatistics s = CheckpointImages.statistics(tar).orElseThrow();
      assertThat(s.freezingTimeMicros()).isEqualTo(582);
      assertThat(s.frozenTimeMicros()).isEqualTo(140205);
      assertThat(s.memdumpTimeMicros()).isEqualTo(2109);
      assertThat(s.memwriteTimeMicros()).isEqualTo(941);
      assertThat(s.pagesScanned()).isEqualTo(6874);
      assertThat(s.pagesWritten()).isEqualTo(40);
    }
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CRIO_CHECKPOINTCTL))) {
      DumpStatistics s = CheckpointImages.statistics(tar).orElseThrow();
      assertThat(s.freezingTimeMicros()).isEqualTo(105405);
      assertThat(s.frozenTimeMicros()).isEqualTo(1376964);
      assertThat(s.memdumpTimeMicros()).isEqualTo(504399);
      assertThat(s.memwriteTimeMicros()).isEqualTo(446571);
      assertThat(s.pagesScanned()).isEqualTo(492153);
      assertThat(s.pagesWritten()).isEqualTo(88689);
    }
  }

  @Test
  void readsMetadataOfEveryLayout() throws Exception {
    Path crio = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    try (CheckpointTar tar = CheckpointTar.open(crio)) {
      ContainerMetadata m = ContainerMetadata.read(tar);
      assertThat(m.engine()).isEqualTo("CRI-O");
      assertThat(m.name()).isEqualTo("nginx");
      assertThat(m.pod()).isEqualTo("podname");
      assertThat(m.namespace()).isEqualTo("namespace");
      assertThat(m.ip()).isEqualTo("10.85.0.72");
      assertThat(m.image()).isEqualTo("docker.io/library/nginx:latest");
      assertThat(m.runtime()).isEqualTo("runc");
      assertThat(m.id()).startsWith("6924be1b");
      assertThat(m.checkpointed()).isEqualTo("2024-01-28T00:10:45+05:30");
    }
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CRIO_CHECKPOINTCTL))) {
      ContainerMetadata m = ContainerMetadata.read(tar);
      assertThat(m.name()).isEqualTo("container-name");
      assertThat(m.pod()).isEqualTo("pod-name");
      assertThat(m.namespace()).isEqualTo("default");
      assertThat(m.created()).isEqualTo("2024-01-27T14:45:26Z");
    }
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.PODMAN))) {
      ContainerMetadata m = ContainerMetadata.read(tar);
      assertThat(m.engine()).isEqualTo("Podman");
      assertThat(m.mounts()).extracting(ContainerMetadata.Mount::destination).containsExactly("/proc", "/etc/hostname");
      assertThat(m.networks()).singleElement().satisfies(n -> {
        assertThat(n.network()).isEqualTo("podman");
        assertThat(n.device()).isEqualTo("eth0");
        assertThat(n.ip()).isEqualTo("10.88.0.9/16");
        assertThat(n.gateway()).isEqualTo("10.88.0.1");
        assertThat(n.mac()).isEqualTo("f2:99:8d:fb:5a:57");
      });
      assertThat(m.ip()).isEqualTo("10.88.0.9");
    }
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CONTAINERD))) {
      ContainerMetadata m = ContainerMetadata.read(tar);
      assertThat(m.engine()).isEqualTo("containerd");
      assertThat(m.name()).isEqualTo("app");
      assertThat(m.pod()).isEqualTo("web-0");
      assertThat(m.namespace()).isEqualTo("shop");
      assertThat(m.environmentNames()).containsExactly("PATH", "API_TOKEN");
      assertThat(m.toString()).doesNotContain("s3cr3t");
    }
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.BARE_IMAGES))) {
      assertThat(CheckpointImages.of(tar).orElseThrow().directory()).isEmpty();
      assertThat(CheckpointImages.of(tar).orElseThrow().processes()).hasSize(1);
    }
  }
}
