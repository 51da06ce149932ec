package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.analysis.CheckpointReport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * A streamed read with {@link ProcessTextKeep} gives the command lines and environments that the
 * file gives (they live in the pages, which a stream cannot revisit), keeping only their bytes; an
 * archive that puts the pages before their pagemap (not the runtimes' layout) gives none, and no error.
 */
class ProcessTextKeepTest {

  private static CheckpointReport streamed(byte[] bytes, Path name) throws IOException {
    try (CheckpointTar tar = CheckpointTar.streamed(new ByteArrayInputStream(bytes), name, ReadLimits.DEFAULT,
        new ProcessTextKeep(ReadLimits.DEFAULT))) {
      return CheckpointReport.read(tar);
    }
  }

  @ParameterizedTest
  @EnumSource(FixtureArchives.Flavour.class)
  void aStreamedReadHasTheProcessTextOfTheFile(FixtureArchives.Flavour flavour) throws IOException {
    Path file = FixtureArchives.write(flavour);
    CheckpointReport fromFile;
    try (CheckpointTar tar = CheckpointTar.open(file)) {
      fromFile = CheckpointReport.read(tar);
    }
    assertThat(fromFile.processes().get(0).environment()).isNotEmpty();
    byte[] plain = Files.readAllBytes(file);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(plain);
    }
    for (byte[] bytes : new byte[][] {plain, gz.toByteArray()}) {
      CheckpointReport report = streamed(bytes, file);
      assertThat(report.processes()).isEqualTo(fromFile.processes());
      assertThat(report.problems()).isEqualTo(fromFile.problems());
    }
  }

  @Test
  void pagesBeforeTheirPagemapGiveNoTextAndNoError() throws IOException {
    CheckpointReport report = streamed(FixtureArchives.pagesBeforePagemaps(FixtureArchives.Flavour.CRIO_OPERATOR),
        Path.of("reordered.tar"));

    assertThat(report.processes()).hasSize(1);
    assertThat(report.processes().get(0).commandLine()).isEmpty();
    assertThat(report.processes().get(0).memoryBytes()).isEqualTo(160 * 1024);
  }
}
