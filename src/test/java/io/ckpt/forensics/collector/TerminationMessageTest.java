package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.analysis.CapturedOverview;
import io.ckpt.forensics.evidence.CustodyCopy;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.store.StoredEvidence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The kubelet keeps 4096 bytes of a termination message: every line fits, stays one line and stays JSON. */
class TerminationMessageTest {

  private static final Measurement PLAIN = Measurement.of(new byte[] {1});
  private static final Measurement STORED = Measurement.of(new byte[] {2});

  @Test
  void aLongMessageOfEscapedAndWideCharactersIsTrimmedToFit() throws IOException {
    String message = "\"quoted\"\n\u0001 äöü 🙂 ".repeat(1000);

    String line = TerminationMessage.failed(FailureReason.StoreUnavailable, message);

    JsonNode json = parse(line);
    assertThat(json.path("reason").asText()).isEqualTo("StoreUnavailable");
    assertThat(json.path("message").asText()).startsWith("\"quoted\"\n\u0001 äöü 🙂 ").endsWith("...");
    assertThat(bytes(line)).isGreaterThan(4096 - 40);
  }

  @Test
  void aShortMessageIsKeptWhole() throws IOException {
    assertThat(parse(TerminationMessage.failed(FailureReason.DigestMismatch, "short")).path("message").asText())
        .isEqualTo("short");
  }

  @Test
  void longLocationsAndManyRecipientsFitWithTheRecipientsCounted() throws IOException {
    String name = ("a".repeat(200) + "/").repeat(5).substring(0, 1000);
    List<String> recipients = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      recipients.add(String.format("%040X", i));
    }
    Collected collected = new Collected(new CustodyCopy.Result(PLAIN, STORED, recipients),
        new StoredEvidence("s3://bucket/" + name, STORED.sha256(), STORED.size(), Optional.empty(), Optional.empty()),
        "s3://bucket/" + name + ".dsse.json", "SHA256:key", Instant.parse("2026-12-01T06:00:03Z"), false,
        Optional.of("x".repeat(5000)));

    JsonNode json = parse(TerminationMessage.stored(collected));

    assertThat(json.path("result").asText()).isEqualTo("Stored");
    assertThat(json.path("location").asText()).isEqualTo("s3://bucket/" + name);
    assertThat(json.path("recordLocation").asText()).isEqualTo("s3://bucket/" + name + ".dsse.json");
    int listed = json.path("recipients").size();
    assertThat(listed).isPositive().isLessThan(200);
    assertThat(json.path("recipientsNotListed").asInt()).isEqualTo(200 - listed);
    assertThat(json.path("recipients").get(0).asText()).isEqualTo(recipients.get(0));
  }

  @Test
  void aStoredLineListsEveryRecipientWhenTheyFit() throws IOException {
    Collected collected = new Collected(new CustodyCopy.Result(PLAIN, STORED, List.of("A".repeat(40))),
        new StoredEvidence("file:///evidence-store/x.tar", STORED.sha256(), STORED.size(), Optional.empty(),
            Optional.empty()), "file:///evidence-store/x.tar.dsse.json", "SHA256:key",
        Instant.parse("2026-12-01T06:00:03Z"), true, Optional.empty());

    JsonNode json = parse(TerminationMessage.stored(collected));

    assertThat(json.path("recipients").size()).isEqualTo(1);
    assertThat(json.has("recipientsNotListed")).isFalse();
    assertThat(json.has("removalProblem")).isFalse();
    assertThat(json.path("sha256").asText()).isEqualTo(PLAIN.sha256());
    assertThat(json.path("storedBytes").asLong()).isEqualTo(1);
    assertThat(json.path("removedFromNode").asBoolean()).isTrue();
  }

  @Test
  void theSummaryIsReportedAndItsSignsAreTrimmedFirstWithALastLineCountingThem() throws IOException {
    List<String> recipients = List.of("A".repeat(40), "B".repeat(40));
    List<String> signs = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      signs.add("pid " + i + " (sh) is a shell attached to a terminal" + (i == 1 ? " /tmp/" + "x".repeat(1000) : ""));
    }
    CapturedOverview overview = new CapturedOverview(300, 7, Optional.of("X86_64"), signs);

    JsonNode json = parse(TerminationMessage.stored(collected(recipients, overview)));

    JsonNode summary = json.path("summary");
    assertThat(summary.path("processes").asInt()).isEqualTo(300);
    assertThat(summary.path("listeningSockets").asInt()).isEqualTo(7);
    assertThat(summary.path("architecture").asText()).isEqualTo("X86_64");
    int listed = summary.path("signs").size() - 1;
    assertThat(listed).isPositive().isLessThan(300);
    assertThat(summary.path("signs").get(0).asText()).isEqualTo(signs.get(0));
    assertThat(summary.path("signs").get(1).asText()).hasSizeLessThanOrEqualTo(200).endsWith("...");
    assertThat(summary.path("signs").get(listed).asText()).isEqualTo("and " + (300 - listed)
        + " more: fcp summary lists them all");
    // recipients identify who can read the evidence: they go only after every sign
    assertThat(json.path("recipients").size()).isEqualTo(2);
  }

  @Test
  void aSummaryWithFewSignsIsWhole() throws IOException {
    CapturedOverview overview = new CapturedOverview(2, 1, Optional.of("AARCH64"),
        List.of("pid 7 (nc) is a network or scripting tool often used after an intrusion"));

    JsonNode summary = parse(TerminationMessage.stored(collected(List.of(), overview))).path("summary");

    assertThat(summary.path("signs")).hasSize(1);
    assertThat(summary.path("signs").get(0).asText()).startsWith("pid 7 (nc)");
  }

  @Test
  void controlAndBidiCharactersFromTheArchiveAreEscapedForTheTerminal() throws IOException {
    CapturedOverview overview = new CapturedOverview(1, 0, Optional.of("X86_64\u001b[2J"),
        List.of("pid 1 (sh\u001b]0;owned\u0007) runs a deleted executable: /tmp/\u202egnp.sh (deleted)"));

    JsonNode summary = parse(TerminationMessage.stored(collected(List.of(), overview))).path("summary");

    assertThat(summary.path("signs").get(0).asText())
        .isEqualTo("pid 1 (sh\\x1b]0;owned\\x07) runs a deleted executable: /tmp/\\u202egnp.sh (deleted)");
    assertThat(summary.path("architecture").asText()).isEqualTo("X86_64\\x1b[2J");
  }

  @Test
  void fileChangeCountsAndTopEntriesReachTheSummaryShortenedAndEscaped() throws IOException {
    CapturedOverview overview = new CapturedOverview(1, 0, Optional.of("X86_64"), List.of(), 3, 1, 2,
        List.of("tmpfs /dev/shm/.x\u001b[2J (executable)", "written /tmp/" + "y".repeat(500)));

    JsonNode summary = parse(TerminationMessage.stored(collected(List.of(), overview))).path("summary");

    assertThat(summary.path("filesWritten").asLong()).isEqualTo(3);
    assertThat(summary.path("filesDeleted").asLong()).isEqualTo(1);
    assertThat(summary.path("filesInTmpfs").asLong()).isEqualTo(2);
    assertThat(summary.path("topFiles").get(0).asText()).isEqualTo("tmpfs /dev/shm/.x\\x1b[2J (executable)");
    assertThat(summary.path("topFiles").get(1).asText()).hasSizeLessThanOrEqualTo(200).endsWith("...");
  }

  @Test
  void theCollectorsStreamedOverviewCountsTheFileChanges() throws IOException {
    java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
    io.ckpt.forensics.archive.FixtureArchives.write(io.ckpt.forensics.archive.FileChangeFixtures.members(), tar);
    CapturedOverview o = CapturedOverview.read(new java.io.ByteArrayInputStream(tar.toByteArray()),
        java.nio.file.Path.of("checkpoint.tar"), io.ckpt.forensics.archive.ReadLimits.DEFAULT);

    assertThat(o.filesWritten()).isEqualTo(14);
    assertThat(o.filesDeleted()).isEqualTo(2);
    assertThat(o.filesInTmpfs()).isEqualTo(4);
    assertThat(o.topFiles()).hasSize(5).contains("written /tmp/evilscript.sh (executable)");
    assertThat(o.signs()).contains("executable kept in tmpfs /dev/shm in a scratch directory: /dev/shm/.cache (ELF)");
  }

  @Test
  void withoutAnOverviewThereIsNoSummary() throws IOException {
    assertThat(parse(TerminationMessage.stored(collected(List.of(), null))).has("summary")).isFalse();
  }

  @Test
  void aPushedExportIsReportedWithItsRemovalsListedWithinTheirBudgetThenCounted() throws IOException {
    List<String> dropped = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      dropped.add("annotation io.kubernetes.cri-o.Devices" + i + ": " + "d".repeat(300));
    }
    String digest = "sha256:" + "a".repeat(64);
    ExportResult pushed = new ExportResult.Pushed("127.0.0.1:5000/forensics/app:dev-x-app-0", digest,
        "127.0.0.1:5000/forensics/app@" + digest, dropped, Instant.parse("2026-12-01T06:00:05Z"))
        .withRecordLocation("s3://bucket/dev/a.tar.export.dsse.json");
    List<String> recipients = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      recipients.add(String.format("%040X", i));
    }

    JsonNode json = parse(TerminationMessage.stored(collected(recipients, null), Optional.of(pushed)));

    JsonNode export = json.path("export");
    assertThat(export.path("image").asText()).isEqualTo("127.0.0.1:5000/forensics/app:dev-x-app-0");
    assertThat(export.path("digest").asText()).isEqualTo(digest);
    assertThat(export.path("reference").asText()).isEqualTo("127.0.0.1:5000/forensics/app@" + digest);
    assertThat(export.path("recordLocation").asText()).isEqualTo("s3://bucket/dev/a.tar.export.dsse.json");
    assertThat(export.path("exportedAt").asText()).isEqualTo("2026-12-01T06:00:05Z");
    JsonNode listed = export.path("droppedAnnotations");
    int shown = listed.size() - 1;
    assertThat(shown).isBetween(1, 39);
    assertThat(listed.get(0).asText()).startsWith("annotation io.kubernetes.cri-o.Devices0: ddd").endsWith("...")
        .hasSize(200);
    assertThat(listed.get(shown).asText()).isEqualTo("and " + (40 - shown) + " more: fcp image lists them all");
    assertThat(json.path("location").asText()).endsWith(".tar");
  }

  @Test
  void aPushedExportWithoutRemovalsHasAnEmptyList() throws IOException {
    ExportResult pushed = new ExportResult.Pushed("r.example/a:t", "sha256:" + "b".repeat(64),
        "r.example/a@sha256:" + "b".repeat(64), List.of(), Instant.parse("2026-12-01T06:00:05Z"));

    JsonNode json = parse(TerminationMessage.stored(collected(List.of(), null), Optional.of(pushed)));

    assertThat(json.path("export").path("droppedAnnotations").isArray()).isTrue();
    assertThat(json.path("export").path("droppedAnnotations")).isEmpty();
    assertThat(json.has("exportFailure")).isFalse();
  }

  @Test
  void anExportFailureIsReportedWithItsMessageTrimmedAndTheEvidenceWhole() throws IOException {
    ExportResult failed = new ExportResult.Failed(ExportResult.FailureReason.PushRefused, "refused \u0007"
        + "x".repeat(5000));

    JsonNode json = parse(TerminationMessage.stored(collected(List.of("ABC"), null), Optional.of(failed)));

    assertThat(json.path("result").asText()).isEqualTo("Stored");
    assertThat(json.path("recipients").get(0).asText()).isEqualTo("ABC");
    assertThat(json.path("exportFailure").path("reason").asText()).isEqualTo("PushRefused");
    assertThat(json.path("exportFailure").path("message").asText()).startsWith("refused").endsWith("...")
        .hasSize(600);
    assertThat(json.has("export")).isFalse();
  }

  @Test
  void withTheLongestNamesAnExportStillFitsWithItsRemovalsCounted() throws IOException {
    String name = "n".repeat(1000);
    Collected collected = new Collected(new CustodyCopy.Result(PLAIN, STORED, List.of()),
        new StoredEvidence("s3://bucket/" + name, STORED.sha256(), STORED.size(), Optional.empty(), Optional.empty()),
        "s3://bucket/" + name + ".dsse.json", "SHA256:key", Instant.parse("2026-12-01T06:00:03Z"), false,
        Optional.of("x".repeat(5000)));
    String repository = "registry.example:5000/" + "r".repeat(250);
    String digest = "sha256:" + "c".repeat(64);
    List<String> dropped = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      dropped.add("spec field " + i + ": " + "w".repeat(190));
    }
    ExportResult pushed = new ExportResult.Pushed(repository + ":" + "t".repeat(128), digest, repository + "@" + digest,
        dropped, Instant.parse("2026-12-01T06:00:05Z")).withRecordLocation("s3://bucket/" + name + ".export.dsse.json");

    JsonNode json = parse(TerminationMessage.stored(collected, Optional.of(pushed)));

    assertThat(json.path("location").asText()).isEqualTo("s3://bucket/" + name);
    assertThat(json.path("export").has("recordLocation")).as("too long in full").isFalse();
    assertThat(json.path("export").path("recordSuffix").asText()).isEqualTo(".export.dsse.json");
    assertThat(json.path("export").path("reference").asText()).isEqualTo(repository + "@" + digest);
    JsonNode listed = json.path("export").path("droppedAnnotations");
    assertThat(listed.get(listed.size() - 1).asText()).endsWith("more: fcp image lists them all");
  }

  private static Collected collected(List<String> recipients, CapturedOverview overview) {
    String name = "dev/" + "n".repeat(900) + ".tar";
    return new Collected(new CustodyCopy.Result(PLAIN, STORED, recipients),
        new StoredEvidence("s3://bucket/" + name, STORED.sha256(), STORED.size(), Optional.empty(), Optional.empty()),
        "s3://bucket/" + name + ".dsse.json", "SHA256:key", Instant.parse("2026-12-01T06:00:03Z"), false,
        Optional.empty(), Optional.ofNullable(overview));
  }

  private static JsonNode parse(String line) throws IOException {
    assertThat(bytes(line)).isLessThanOrEqualTo(TerminationMessage.MAX_BYTES);
    assertThat(line).endsWith("\n");
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.path("v").asInt()).isEqualTo(1);
    return json;
  }

  private static int bytes(String line) {
    return line.getBytes(StandardCharsets.UTF_8).length;
  }
}
