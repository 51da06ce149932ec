package io.ckpt.forensics.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustodyRecordTest {

  @TempDir
  Path dir;

  /** The example of the DSSE specification (protocol.md). */
  @Test
  void paeIsTheSpecificationsEncoding() {
    assertThat(new String(DsseEnvelope.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8)).isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  }

  @Test
  void theStatementIsInTotoV1WithTheStoredObjectAsSubject() throws IOException {
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(5000, 1),
        List.of(EvidenceFixtures.keyFile("test-only-recipient-a.pub.asc")),
        EvidenceFixtures.newSigningKey(dir, "Ed25519"), null, null);
    JsonNode envelope = new ObjectMapper().readTree(stored.recordFile());
    JsonNode statement = new ObjectMapper().readTree(Base64.getDecoder().decode(envelope.get("payload").asText()));

    assertThat(envelope.get("payloadType").asText()).isEqualTo("application/vnd.in-toto+json");
    assertThat(envelope.get("signatures").get(0).get("keyid").asText()).hasSize(64);
    assertThat(statement.get("_type").asText()).isEqualTo("https://in-toto.io/Statement/v1");
    assertThat(statement.get("predicateType").asText()).isEqualTo("https://forensics.ckpt.io/custody/v1");
    assertThat(statement.at("/subject/0/name").asText()).endsWith(".tar.gpg");
    assertThat(statement.at("/subject/0/digest/sha256").asText()).isEqualTo(Measurement.of(stored.stored()).sha256());
    JsonNode predicate = statement.get("predicate");
    assertThat(fieldNames(predicate)).containsExactly("requestedBy", "reason", "caseId", "forensicCheckpoint", "pod",
        "podUID", "container", "containerID", "image", "imageID", "node", "kubeletArchivePath", "times", "plaintext",
        "stored", "tool", "series", "previous");
    assertThat(predicate.at("/requestedBy/user").asText()).isEqualTo("alice@example.com");
    assertThat(predicate.at("/forensicCheckpoint/uid").asText()).isEqualTo("6f1c1f9e-3a51-4d0e-9d5c-2b0c8f1a7e11");
    assertThat(predicate.at("/plaintext/sha256").asText()).isEqualTo(Measurement.of(stored.plaintext()).sha256());
    assertThat(predicate.at("/plaintext/size").asLong()).isEqualTo(5000);
    assertThat(predicate.at("/stored/encrypted").asBoolean()).isTrue();
    assertThat(predicate.at("/stored/recipients/0").asText()).isEqualTo(EvidenceFixtures.RECIPIENT_A);
    assertThat(predicate.at("/times/collected").asText()).isEqualTo("2026-12-01T06:00:03.250Z");
    assertThat(predicate.get("previous").isNull()).isTrue();
  }

  @Test
  void theSameRecordIsTheSameBytes() throws IOException {
    CustodyCopy.Result copy = CustodyCopy.copy(new ByteArrayInputStream(new byte[10]), new ByteArrayOutputStream(),
        List.of());
    InTotoStatement one = InTotoStatement.custody("a.tar", EvidenceFixtures.predicate(copy, null, null));
    InTotoStatement two = InTotoStatement.custody("a.tar", EvidenceFixtures.predicate(copy, null, null));
    byte[] bytes = CustodyJson.bytes(one);

    assertThat(CustodyJson.bytes(two)).isEqualTo(bytes);
    // and reading it back and writing it again changes nothing
    assertThat(CustodyJson.bytes(CustodyJson.read(bytes, InTotoStatement.class))).isEqualTo(bytes);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).startsWith("{\"_type\":\"https://in-toto.io/Statement/v1\","
        + "\"subject\":[{\"name\":\"a.tar\",\"digest\":{\"sha256\":\"").doesNotContain("\n", "\": ", ", \"");
  }

  @Test
  void anUnknownRequesterIsWrittenAsUnknown() throws IOException {
    CustodyCopy.Result copy = CustodyCopy.copy(new ByteArrayInputStream(new byte[1]), new ByteArrayOutputStream(),
        List.of());
    CustodyPredicate known = EvidenceFixtures.predicate(copy, null, null);
    CustodyPredicate unknown = new CustodyPredicate(CustodyPredicate.Requester.UNKNOWN, known.reason(), known.caseId(),
        known.forensicCheckpoint(), known.pod(), known.podUid(), known.container(), known.containerId(), known.image(),
        known.imageId(), known.node(), known.kubeletArchivePath(), known.times(), known.plaintext(), known.stored(),
        known.tool(), null, null);
    byte[] json = CustodyJson.bytes(InTotoStatement.custody("a.tar", unknown));

    assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"requestedBy\":\"unknown\"");
    assertThat(CustodyJson.read(json, InTotoStatement.class).predicate().requestedBy().known()).isFalse();
  }

  @Test
  void signingKeysOfBothAlgorithmsSignAndVerify() throws IOException {
    for (String algorithm : List.of("EC", "Ed25519")) {
      SigningKey key = SigningKey.load(EvidenceFixtures.newSigningKey(dir, algorithm));
      byte[] message = "message".getBytes(StandardCharsets.UTF_8);
      VerificationKey published = VerificationKey.load(EvidenceFixtures.publicKeyOf(
          EvidenceFixtures.newSigningKey(dir, algorithm)));

      assertThat(key.verificationKey().verifies(message, key.sign(message))).as(algorithm).isTrue();
      assertThat(published.verifies(message, key.sign(message))).as(algorithm + ", another key").isFalse();
    }
  }

  @Test
  void theKeyIdIsTheSha256OfThePublicKeysDer() throws IOException {
    Path signing = EvidenceFixtures.newSigningKey(dir, "EC");
    VerificationKey key = VerificationKey.load(EvidenceFixtures.publicKeyOf(signing));

    assertThat(key.keyId()).isEqualTo(Measurement.of(PemBlock.read(EvidenceFixtures.publicKeyOf(signing), "k").der())
        .sha256()).isEqualTo(SigningKey.load(signing).verificationKey().keyId());
  }

  @Test
  void anRsaOrSec1KeyIsRefusedWithTheFix() throws Exception {
    java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    Path rsaKey = dir.resolve("rsa.pem");
    java.nio.file.Files.writeString(rsaKey, PemBlock.format("PRIVATE KEY", rsa.generateKeyPair().getPrivate().getEncoded()));
    Path sec1 = dir.resolve("sec1.pem");
    java.nio.file.Files.writeString(sec1, PemBlock.format("EC PRIVATE KEY", new byte[] {1, 2, 3}));

    assertThatThrownBy(() -> SigningKey.load(rsaKey)).isInstanceOf(KeyFileException.class)
        .hasMessageContaining("neither an ECDSA P-256 nor an Ed25519 private key");
    assertThatThrownBy(() -> SigningKey.load(sec1)).isInstanceOf(KeyFileException.class)
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
