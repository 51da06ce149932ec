package io.ckpt.forensics.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A standard DSSE implementation, securesystemslib (pinned in operator/python-requirements.txt, in the
 * virtual environment operator/provision-python creates), accepts our records signed with either
 * algorithm, and rejects one whose payload was altered.
 */
class SecuresystemslibAcceptsRecordTest {

  private static Path python;
  private static String unavailable = "";

  @TempDir
  Path dir;

  @BeforeAll
  static void findVirtualEnvironment() throws IOException {
    Path root = Path.of(System.getProperty("project.root", "."));
    // like the Maven dependencies, the environment is installed on first use (pip needs the
    // network once) and cached; a second run only checks it
    ExternalTool.Result provisioned = ExternalTool.run(List.of(root.resolve("operator/provision-python").toString()),
        root, Map.of());
    if (provisioned.exitCode() == 0) {
      python = Path.of(provisioned.out().strip().lines().reduce((a, b) -> b).orElseThrow(), "bin", "python");
    } else {
      unavailable = " (operator/provision-python exited " + provisioned.exitCode() + ": "
          + provisioned.err().strip().lines().reduce((a, b) -> b).orElse("") + ")";
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"EC", "Ed25519"})
  void securesystemslibVerifiesTheEnvelope(String algorithm) throws IOException {
    requirePython();
    Path signingKey = EvidenceFixtures.newSigningKey(dir, algorithm);
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(2000, 3), List.of(), signingKey,
        null, null);
    Path record = Files.write(dir.resolve("record.dsse.json"), stored.recordFile());

    ExternalTool.Result result = verify(record, EvidenceFixtures.publicKeyOf(signingKey));

    assertThat(result.exitCode()).as("securesystemslib: %s %s", result.out(), result.err()).isZero();
    JsonNode accepted = new ObjectMapper().readTree(result.out());
    assertThat(accepted.get("scheme").asText()).isEqualTo(SigningKey.load(signingKey).verificationKey().algorithm().scheme());
    assertThat(accepted.get("keyid").asText()).isEqualTo(SigningKey.load(signingKey).verificationKey().keyId());
    assertThat(accepted.get("payloadType").asText()).isEqualTo(InTotoStatement.PAYLOAD_TYPE);
    assertThat(accepted.get("predicateType").asText()).isEqualTo(CustodyPredicate.TYPE);
    assertThat(accepted.get("sha256").asText()).isEqualTo(Measurement.of(stored.stored()).sha256());
  }

  @Test
  void securesystemslibRejectsAnAlteredPayload() throws IOException {
    requirePython();
    Path signingKey = EvidenceFixtures.newSigningKey(dir, "EC");
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(2000, 3), List.of(), signingKey,
        null, null);
    ObjectNode envelope = (ObjectNode) new ObjectMapper().readTree(stored.recordFile());
    String statement = new String(Base64.getDecoder().decode(envelope.get("payload").asText()));
    envelope.put("payload", Base64.getEncoder().encodeToString(statement.replace("INC-2026-0042", "INC-2026-0043")
        .getBytes()));
    Path record = Files.write(dir.resolve("altered.dsse.json"), new ObjectMapper().writeValueAsBytes(envelope));

    ExternalTool.Result result = verify(record, EvidenceFixtures.publicKeyOf(signingKey));

    assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
    assertThat(result.out()).startsWith("rejected: VerificationError");
  }

  /** The export record is the same envelope: securesystemslib accepts it and reads its manifest subject. */
  @ParameterizedTest
  @ValueSource(strings = {"EC", "Ed25519"})
  void securesystemslibVerifiesTheExportRecord(String algorithm) throws IOException {
    requirePython();
    Path signingKey = EvidenceFixtures.newSigningKey(dir, algorithm);
    ExportPredicate predicate = new ExportPredicate(
        new ExportPredicate.StoredObject("file:///s/a.tar.dsse.json", "1".repeat(64)),
        new ExportPredicate.StoredObject("file:///s/a.tar", "2".repeat(64)), new ExportPredicate.Digest("3".repeat(64)),
        "r.example/app", "t", List.of(), "2026-12-02T10:00:00Z", new CustodyPredicate.Tool("forensic-checkpoint", "0"));
    byte[] file = ExportRecord.sign(ExportStatement.of("r.example/app:t", "sha256:" + "4".repeat(64), predicate),
        SigningKey.load(signingKey)).fileBytes();
    Path record = Files.write(dir.resolve("a.tar.export.dsse.json"), file);

    ExternalTool.Result result = verify(record, EvidenceFixtures.publicKeyOf(signingKey));

    assertThat(result.exitCode()).as("securesystemslib: %s %s", result.out(), result.err()).isZero();
    JsonNode accepted = new ObjectMapper().readTree(result.out());
    assertThat(accepted.get("predicateType").asText()).isEqualTo(ExportPredicate.TYPE);
    assertThat(accepted.get("subject").asText()).isEqualTo("r.example/app:t");
    assertThat(accepted.get("sha256").asText()).isEqualTo("4".repeat(64));
  }

  private ExternalTool.Result verify(Path record, Path publicKey) throws IOException {
    return ExternalTool.run(List.of(python.toString(), EvidenceFixtures.keyFile("verify_dsse.py").toString(),
        record.toString(), publicKey.toString()), dir, Map.of());
  }

  private static void requirePython() {
    if (python == null) {
      ExternalTool.unavailable("SecuresystemslibAcceptsRecordTest", "no Python virtual environment with securesystemslib;"
          + " operator/provision-python creates it" + unavailable);
    }
  }
}
