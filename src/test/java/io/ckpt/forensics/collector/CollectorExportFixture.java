package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A node directory with a real checkpoint archive, a file store and the collect mode run on them. */
final class CollectorExportFixture {

  static final Instant NOW = Instant.parse("2026-12-01T06:00:03Z");
  static final String NAME = "dev/app-inc42-1a2b3c4d/app.tar";
  static final String FACTS = """
      {"forensicCheckpoint":{"namespace":"dev","name":"app-inc42","uid":"6f1c1f9e"},
       "pod":"app","container":"app","image":"docker.io/library/nginx:latest","node":"worker-1"}
      """;

  final Path archive;
  final byte[] archiveBytes;
  final Path storeRoot;
  final Path signingKey;
  final Path terminationLog;

  CollectorExportFixture(Path dir) throws IOException {
    Path node = Files.createDirectories(dir.resolve("node-checkpoints"));
    archive = node.resolve("checkpoint-app_dev-app.tar");
    Files.copy(FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR), archive);
    archiveBytes = Files.readAllBytes(archive);
    storeRoot = Files.createDirectories(dir.resolve("evidence-store"));
    signingKey = EvidenceFixtures.newSigningKey(Files.createDirectories(dir.resolve("signing")), "EC");
    terminationLog = dir.resolve("termination-log");
  }

  int collect(String... extra) {
    List<String> all = new ArrayList<>(List.of("--archive", archive.toString(), "--name", NAME, "--store", "file",
        "--store-root", storeRoot.toString(), "--signing-key", signingKey.toString(), "--termination-log",
        terminationLog.toString()));
    all.addAll(Arrays.asList(extra));
    return CollectorMain.run(all.toArray(String[]::new), Map.of(CollectFacts.ENVIRONMENT_VARIABLE, FACTS),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  JsonNode terminationLine() throws IOException {
    String text = Files.readString(terminationLog);
    assertThat(text).endsWith("\n").hasLineCount(1);
    assertThat(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
    return new ObjectMapper().readTree(text);
  }

  /** The evidence is stored whole, whatever became of the export. */
  void assertStored(int code, JsonNode line) throws IOException {
    assertThat(code).as("%s", line).isZero();
    assertThat(line.path("result").asText()).isEqualTo("Stored");
    assertThat(Files.readAllBytes(storeRoot.resolve(NAME))).isEqualTo(archiveBytes);
    assertThat(storeRoot.resolve(NAME + EvidenceCollector.RECORD_SUFFIX)).exists();
  }
}
