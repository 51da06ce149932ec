package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.analysis.CapturedOverview;
import io.ckpt.forensics.analysis.CheckpointReport;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The summary in the termination message is read in the custody copy's pass and says what fcp
 * summary says of the same file; an archive it cannot read is stored all the same, without summary.
 */
class CollectorSummaryTest {

  private static final String NAME = "dev/app-1a2b/app.tar";

  @TempDir
  Path dir;
  Path storeRoot;
  Path signingKey;
  Path terminationLog;

  @BeforeEach
  void store() throws IOException {
    storeRoot = Files.createDirectories(dir.resolve("evidence-store"));
    signingKey = EvidenceFixtures.newSigningKey(Files.createDirectories(dir.resolve("signing")), "Ed25519");
    terminationLog = dir.resolve("termination-log");
  }

  @ParameterizedTest
  @EnumSource(FixtureArchives.Flavour.class)
  void theSummaryOfEachFixtureIsWhatFcpSummaryComputes(FixtureArchives.Flavour flavour) throws IOException {
    Path archive = FixtureArchives.write(flavour);

    JsonNode summary = collected(archive).path("summary");

    assertThat(summary.isObject()).as("a summary in the line").isTrue();
    assertThat(overviewOf(summary)).isEqualTo(fcpSummary(archive));
  }

  @Test
  void aGzippedArchiveWithSignsHasTheSameSummaryAsFcpSummary() throws IOException {
    Map<String, byte[]> members = new LinkedHashMap<>(FixtureArchives.members(FixtureArchives.Flavour.CONTAINERD));
    members.put("spec.dump", new String(members.get("spec.dump"), StandardCharsets.UTF_8)
        .replace("\"./loop2\"", "\"/usr/sbin/nginx\"").getBytes(StandardCharsets.UTF_8));
    Path archive = dir.resolve("checkpoint.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive))) {
      FixtureArchives.write(members, out);
    }

    JsonNode summary = collected(archive).path("summary");

    assertThat(summary.path("signs")).isNotEmpty();
    assertThat(overviewOf(summary)).isEqualTo(fcpSummary(archive));
  }

  @Test
  void aTruncatedArchiveIsStoredWithoutSummary() throws IOException {
    byte[] whole = Files.readAllBytes(FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR));
    Path archive = dir.resolve("truncated.tar");
    Files.write(archive, Arrays.copyOf(whole, whole.length / 2 + 100));

    JsonNode line = collected(archive);

    assertThat(line.has("summary")).isFalse();
    assertThat(line.path("sha256").asText()).isEqualTo(Measurement.of(Files.readAllBytes(archive)).sha256());
    assertThat(Files.readAllBytes(storeRoot.resolve(NAME))).isEqualTo(Files.readAllBytes(archive));
  }

  @Test
  void anArchiveWithMoreMembersThanTheLimitIsStoredWithoutSummary() throws IOException {
    Map<String, byte[]> members = new LinkedHashMap<>(FixtureArchives.members(FixtureArchives.Flavour.CRIO_OPERATOR));
    for (int i = 0; i <= CapturedOverviewTap.LIMITS.maxMembers(); i++) {
      members.put("f/" + i, new byte[0]);
    }
    Path archive = dir.resolve("many.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      FixtureArchives.write(members, out);
    }

    JsonNode line = collected(archive);

    assertThat(line.has("summary")).isFalse();
    assertThat(line.path("sizeBytes").asLong()).isEqualTo(Files.size(archive));
    assertThat(Files.readAllBytes(storeRoot.resolve(NAME))).isEqualTo(Files.readAllBytes(archive));
  }

  @Test
  void bytesThatAreNoArchiveAreStoredWithoutSummary() throws IOException {
    Path archive = dir.resolve("noise.tar");
    Files.write(archive, EvidenceFixtures.archive(3 * BoundedPipe.CHUNK_BYTES + 5, 9));

    JsonNode line = collected(archive);

    assertThat(line.path("result").asText()).isEqualTo("Stored");
    assertThat(line.has("summary")).isFalse();
  }

  private JsonNode collected(Path archive) throws IOException {
    int code = CollectorMain.run(new String[] {"--archive", archive.toString(), "--name", NAME, "--store", "file",
        "--store-root", storeRoot.toString(), "--signing-key", signingKey.toString(), "--termination-log",
        terminationLog.toString()}, Map.of(), Clock.fixed(Instant.parse("2026-12-01T06:00:03Z"), ZoneOffset.UTC));
    String text = Files.readString(terminationLog);
    assertThat(code).as(text).isZero();
    JsonNode line = new ObjectMapper().readTree(text);
    assertThat(line.path("result").asText()).isEqualTo("Stored");
    return line;
  }

  /** What {@code fcp summary} computes from the file (its report, then the overview it prints). */
  private static CapturedOverview fcpSummary(Path archive) throws IOException {
    try (CheckpointTar tar = CheckpointTar.open(archive)) {
      return CapturedOverview.of(CheckpointReport.read(tar));
    }
  }

  private static CapturedOverview overviewOf(JsonNode summary) {
    List<String> signs = new ArrayList<>();
    summary.path("signs").forEach(s -> signs.add(s.asText()));
    return new CapturedOverview(summary.path("processes").asInt(), summary.path("listeningSockets").asInt(),
        summary.has("architecture") ? java.util.Optional.of(summary.path("architecture").asText())
            : java.util.Optional.empty(), signs);
  }
}
