package io.ckpt.forensics.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportRecordTest {

  private static final String MANIFEST = "sha256:" + "ab".repeat(32);
  private static final String EVIDENCE_SHA256 = "cd".repeat(32);
  private static final byte[] CUSTODY_RECORD = "{\"payload\":\"the custody record\"}".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;

  private SigningKey key;
  private byte[] file;

  @BeforeEach
  void sign() throws IOException {
    key = SigningKey.load(EvidenceFixtures.newSigningKey(dir, "EC"));
    file = record(CUSTODY_RECORD).fileBytes();
  }

  private ExportRecord record(byte[] custodyRecord) {
    ExportPredicate predicate = new ExportPredicate(
        new ExportPredicate.StoredObject("file:///store/ns/fc/app.tar.dsse.json", Measurement.of(custodyRecord).sha256()),
        new ExportPredicate.StoredObject("file:///store/ns/fc/app.tar", EVIDENCE_SHA256),
        new ExportPredicate.Digest("ef".repeat(32)), "registry.example/forensics/app", "fc-app-1234",
        List.of("spec.dump: holds the environment"), "2026-12-02T10:00:00Z", new CustodyPredicate.Tool("forensic-checkpoint", "0.1.0"));
    return ExportRecord.sign(ExportStatement.of("registry.example/forensics/app:fc-app-1234", MANIFEST, predicate), key);
  }

  @Test
  void theStatementNamesTheManifestAsSubjectAndTheCustodyRecordInItsPredicate() throws IOException {
    JsonNode envelope = new ObjectMapper().readTree(file);
    JsonNode statement = new ObjectMapper().readTree(Base64.getDecoder().decode(envelope.get("payload").asText()));

    assertThat(envelope.get("payloadType").asText()).isEqualTo(InTotoStatement.PAYLOAD_TYPE);
    assertThat(statement.get("_type").asText()).isEqualTo(InTotoStatement.TYPE);
    assertThat(statement.get("predicateType").asText()).isEqualTo("https://forensics.ckpt.io/export/v1");
    assertThat(statement.at("/subject/0/name").asText()).isEqualTo("registry.example/forensics/app:fc-app-1234");
    assertThat(statement.at("/subject/0/digest/sha256").asText()).isEqualTo("ab".repeat(32));
    assertThat(statement.at("/predicate/custodyRecord/sha256").asText()).isEqualTo(Measurement.of(CUSTODY_RECORD).sha256());
    assertThat(statement.at("/predicate/evidence/sha256").asText()).isEqualTo(EVIDENCE_SHA256);
    assertThat(statement.at("/predicate/droppedAnnotations/0").asText()).isEqualTo("spec.dump: holds the environment");
    ExportRecord parsed = ExportRecord.parse(file);
    assertThat(parsed.manifestDigest()).isEqualTo(MANIFEST);
    assertThat(parsed.image()).isEqualTo("registry.example/forensics/app:fc-app-1234");
  }

  @Test
  void aRecordNamingTheGivenCustodyRecordAndEvidenceVerifies() {
    List<VerificationCheck> checks = new ExportRecordVerifier(key.verificationKey()).verify(file, CUSTODY_RECORD,
        EVIDENCE_SHA256);

    assertThat(checks).extracting(VerificationCheck::name).containsExactly("export signature", "export statement",
        "export names custody record", "export names evidence");
    assertThat(checks).noneMatch(VerificationCheck::failed);
  }

  @Test
  void aFlippedByteInThePayloadFailsTheSignature() throws IOException {
    JsonNode envelope = new ObjectMapper().readTree(file);
    byte[] payload = Base64.getDecoder().decode(envelope.get("payload").asText());
    String altered = new String(payload, StandardCharsets.UTF_8).replace("fc-app-1234", "fc-app-1235");
    byte[] alteredFile = new String(file, StandardCharsets.UTF_8).replace(envelope.get("payload").asText(),
        Base64.getEncoder().encodeToString(altered.getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);

    List<VerificationCheck> checks = new ExportRecordVerifier(key.verificationKey()).verify(alteredFile, CUSTODY_RECORD,
        EVIDENCE_SHA256);

    assertThat(failed(checks, "export signature").detail()).contains("the record names this key");
  }

  @Test
  void anotherKeyFailsTheSignature() throws IOException {
    VerificationKey other = SigningKey.load(EvidenceFixtures.newSigningKey(dir, "EC")).verificationKey();

    List<VerificationCheck> checks = new ExportRecordVerifier(other).verify(file, CUSTODY_RECORD, EVIDENCE_SHA256);

    assertThat(failed(checks, "export signature").detail()).contains("another key signed it");
  }

  @Test
  void anotherCustodyRecordOrEvidenceIsNamedAsAMismatch() {
    byte[] otherRecord = "{\"payload\":\"another custody record\"}".getBytes(StandardCharsets.UTF_8);

    List<VerificationCheck> checks = new ExportRecordVerifier(key.verificationKey()).verify(file, otherRecord,
        "00".repeat(32));

    assertThat(failed(checks, "export signature")).isNull();
    assertThat(failed(checks, "export names custody record").detail()).contains(Measurement.of(CUSTODY_RECORD).sha256())
        .contains(Measurement.of(otherRecord).sha256());
    assertThat(failed(checks, "export names evidence").detail()).contains(EVIDENCE_SHA256);
  }

  @Test
  void aCustodyRecordIsNotAnExportRecord() throws IOException {
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(2000, 3), List.of(),
        EvidenceFixtures.newSigningKey(dir, "EC"), null, null);

    assertThatThrownBy(() -> ExportRecord.parse(stored.recordFile())).hasMessageContaining("predicateType is \""
        + CustodyPredicate.TYPE + "\"").hasMessageContaining("this is a custody record");
  }

  @Test
  void aDigestThatIsNotSha256IsRefused() {
    assertThatThrownBy(() -> ExportStatement.of("r/a:t", "md5:00", null)).hasMessageContaining("sha256:<64 hex digits>");
  }

  private static VerificationCheck failed(List<VerificationCheck> checks, String name) {
    return checks.stream().filter(c -> c.name().equals(name) && c.failed()).findFirst().orElse(null);
  }
}
