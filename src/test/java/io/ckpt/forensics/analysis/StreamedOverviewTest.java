package io.ckpt.forensics.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.airlift.compress.zstd.ZstdOutputStream;
import io.ckpt.forensics.archive.ArchiveFormatException;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.ReadLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The overview read from a stream (what the collector reports) against the one fcp summary computes
 * from the file, for every fixture archive, plain and compressed; and hostile streams give an error,
 * never a partial overview.
 */
class StreamedOverviewTest {

  @ParameterizedTest
  @EnumSource(FixtureArchives.Flavour.class)
  void aStreamedArchiveHasTheOverviewAndReportOfTheFile(FixtureArchives.Flavour flavour) throws IOException {
    Path file = FixtureArchives.write(flavour);
    byte[] plain = Files.readAllBytes(file);
    CheckpointReport fromFile;
    try (CheckpointTar tar = CheckpointTar.open(file)) {
      fromFile = CheckpointReport.read(tar);
    }
    CapturedOverview expected = CapturedOverview.of(fromFile);
    assertThat(expected.processes()).isPositive();
    assertThat(expected.architecture()).isPresent();

    for (byte[] bytes : new byte[][] {plain, gzip(plain), zstd(plain)}) {
      assertThat(CapturedOverview.read(new ByteArrayInputStream(bytes), file, ReadLimits.DEFAULT)).isEqualTo(expected);
      try (CheckpointTar tar = CheckpointTar.streamed(new ByteArrayInputStream(bytes), file, ReadLimits.DEFAULT)) {
        assertThat(tar.fileSize()).isEqualTo(bytes.length);
        CheckpointReport streamed = CheckpointReport.readWithoutProcessText(tar);
        // everything but what lives in the memory pages, which a stream does not keep
        assertThat(streamed.container()).isEqualTo(fromFile.container());
        assertThat(streamed.sizes()).isEqualTo(fromFile.sizes());
        assertThat(streamed.members()).isEqualTo(fromFile.members());
        assertThat(streamed.criuMounts()).isEqualTo(fromFile.criuMounts());
        assertThat(streamed.statistics()).isEqualTo(fromFile.statistics());
        assertThat(streamed.problems()).isEqualTo(fromFile.problems());
        assertThat(streamed.processes()).extracting(CheckpointReport.Process::task)
            .isEqualTo(fromFile.processes().stream().map(CheckpointReport.Process::task).toList());
        assertThat(streamed.processes()).extracting(CheckpointReport.Process::memoryBytes)
            .isEqualTo(fromFile.processes().stream().map(CheckpointReport.Process::memoryBytes).toList());
        assertThat(streamed.processes()).allMatch(p -> p.commandLine().isEmpty() && p.environment().isEmpty());
      }
    }
  }

  @Test
  void signsAreTheSameStreamedAsFromTheFile() throws IOException {
    // the fixtures run their entrypoint and show no sign: name another entrypoint, so that one shows
    Map<String, byte[]> members = new LinkedHashMap<>(FixtureArchives.members(FixtureArchives.Flavour.CONTAINERD));
    members.put("spec.dump", new String(members.get("spec.dump"), StandardCharsets.UTF_8)
        .replace("\"./loop2\"", "\"/usr/sbin/nginx\"").getBytes(StandardCharsets.UTF_8));
    Path file = FixtureArchives.scratch("streamed").resolve("other-entrypoint.tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(members, out);
    }
    CapturedOverview expected;
    try (CheckpointTar tar = CheckpointTar.open(file)) {
      expected = CapturedOverview.of(CheckpointReport.read(tar));
    }
    assertThat(expected.signs()).singleElement().asString().contains("is not the image entrypoint (nginx)");
    try (InputStream in = Files.newInputStream(file)) {
      assertThat(CapturedOverview.read(in, file, ReadLimits.DEFAULT)).isEqualTo(expected);
    }
  }

  @Test
  void pageDataIsSkippedNotKept() throws IOException {
    Path file = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    try (CheckpointTar tar = CheckpointTar.streamed(Files.newInputStream(file), file, ReadLimits.DEFAULT)) {
      var pages = tar.members().stream().filter(m -> m.name().contains("pages-")).findFirst().orElseThrow();
      assertThatThrownBy(() -> tar.readAll(pages)).isInstanceOf(ArchiveFormatException.class)
          .hasMessageContaining("not kept by the streamed read");
    }
  }

  @Test
  void aTruncatedStreamIsAnErrorNotAPartialOverview() throws IOException {
    byte[] plain = Files.readAllBytes(FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR));
    for (int cut : new int[] {100, plain.length / 3, plain.length / 2, plain.length - 2000}) {
      byte[] truncated = Arrays.copyOf(plain, cut);
      byte[] gz = gzip(plain);
      byte[] gzipCut = Arrays.copyOf(gz, Math.min(cut / 4, gz.length - 16));
      for (byte[] bytes : new byte[][] {truncated, gzip(truncated), gzipCut}) {
        assertThatThrownBy(() -> CapturedOverview.read(new ByteArrayInputStream(bytes), Path.of("cut.tar"),
            ReadLimits.DEFAULT)).as("cut at %d", cut).isInstanceOf(IOException.class);
      }
    }
  }

  @Test
  void tooManyMembersIsAnError() throws IOException {
    Map<String, byte[]> members = new LinkedHashMap<>(FixtureArchives.members(FixtureArchives.Flavour.CRIO_OPERATOR));
    for (int i = 0; i < 200; i++) {
      members.put("filler-" + i, new byte[0]);
    }
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    FixtureArchives.write(members, tar);
    ReadLimits limits = new ReadLimits(1 << 20, 100, 1 << 30, 1000);
    assertThatThrownBy(() -> CapturedOverview.read(new ByteArrayInputStream(tar.toByteArray()), Path.of("many.tar"),
        limits)).isInstanceOf(ArchiveFormatException.class).hasMessageContaining("more than 100 members");
  }

  @Test
  void aStreamThatIsNoArchiveIsAnError() {
    byte[] noise = new byte[64 << 10];
    new java.util.Random(7).nextBytes(noise);
    assertThatThrownBy(() -> CapturedOverview.read(new ByteArrayInputStream(noise), Path.of("noise"),
        ReadLimits.DEFAULT)).isInstanceOf(IOException.class);
  }

  static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream o = new GZIPOutputStream(out)) {
      o.write(plain);
    }
    return out.toByteArray();
  }

  static byte[] zstd(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream o = new ZstdOutputStream(out)) {
      o.write(plain);
    }
    return out.toByteArray();
  }
}
