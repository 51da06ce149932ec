package io.ckpt.forensics.evidence;

import static io.ckpt.forensics.evidence.EvidenceFixtures.keyFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.evidence.CustodyPredicate.SeriesPosition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustodyVerifierTest {

  @TempDir
  Path dir;
  private Path signingKey;
  private VerificationKey key;

  @BeforeEach
  void keys() throws IOException {
    signingKey = EvidenceFixtures.newSigningKey(dir, "EC");
    key = VerificationKey.load(EvidenceFixtures.publicKeyOf(signingKey));
  }

  @Test
  void evidenceThatMatchesItsRecordPassesEveryCheck() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of());

    List<VerificationCheck> checks = verify(stored.recordFile(), stored.stored(), null);

    assertThat(checks).noneMatch(VerificationCheck::failed);
    assertThat(names(checks)).containsExactly("signature", "statement", "stored size", "stored sha256",
        "plaintext size", "plaintext sha256");
  }

  @Test
  void oneFlippedByteOfTheStoredArchiveFailsTheStoredDigest() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of());
    byte[] evidence = stored.stored().clone();
    evidence[777] ^= 0x01;

    List<VerificationCheck> checks = verify(stored.recordFile(), evidence, null);

    assertThat(failed(checks)).containsExactly("stored sha256", "plaintext sha256");
    assertThat(detail(checks, "stored sha256")).isEqualTo("the record says " + Measurement.of(stored.stored()).sha256()
        + ", the evidence has " + Measurement.of(evidence).sha256());
  }

  @Test
  void aTruncatedArchiveFailsTheSize() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of());
    byte[] evidence = java.util.Arrays.copyOf(stored.stored(), stored.stored().length - 1);

    assertThat(detail(verify(stored.recordFile(), evidence, null), "stored size"))
        .isEqualTo("the record says 40000 bytes, the evidence has 39999 bytes");
  }

  @Test
  void oneFlippedByteOfTheRecordPayloadFailsTheSignature() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of());
    ObjectNode envelope = (ObjectNode) new ObjectMapper().readTree(stored.recordFile());
    byte[] payload = Base64.getDecoder().decode(envelope.get("payload").asText());
    // the reason's first letter: the statement stays valid JSON, only the signature can tell
    int at = new String(payload, StandardCharsets.UTF_8).indexOf("Falco");
    payload[at] ^= 0x20;
    envelope.put("payload", Base64.getEncoder().encodeToString(payload));

    List<VerificationCheck> checks = verify(new ObjectMapper().writeValueAsBytes(envelope), stored.stored(), null);

    assertThat(failed(checks)).containsExactly("signature");
    assertThat(detail(checks, "signature")).contains("the record names this key: the record or its signature was altered");
  }

  @Test
  void oneFlippedByteOfTheSignatureFailsIt() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of());
    ObjectNode envelope = (ObjectNode) new ObjectMapper().readTree(stored.recordFile());
    ObjectNode signature = (ObjectNode) envelope.get("signatures").get(0);
    byte[] sig = Base64.getDecoder().decode(signature.get("sig").asText());
    sig[sig.length - 1] ^= 0x01;
    signature.put("sig", Base64.getEncoder().encodeToString(sig));

    assertThat(failed(verify(new ObjectMapper().writeValueAsBytes(envelope), stored.stored(), null)))
        .containsExactly("signature");
  }

  @Test
  void anotherKeyFailsTheSignatureAndSaysWhichKeySigned() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of());
    VerificationKey other = VerificationKey.load(EvidenceFixtures.publicKeyOf(EvidenceFixtures.newSigningKey(dir, "Ed25519")));

    List<VerificationCheck> checks = new CustodyVerifier(other, null)
        .verify(stored.recordFile(), new ByteArrayInputStream(stored.stored()), null);

    assertThat(failed(checks)).containsExactly("signature");
    assertThat(detail(checks, "signature")).isEqualTo("no signature verifies with key " + other.keyId()
        + " (the record names key " + key.keyId() + ": another key signed it, or it was altered)");
  }

  @Test
  void encryptedEvidenceIsDecryptedInTheSamePassAndItsPlaintextChecked() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of(keyFile("test-only-recipient-a.pub.asc")));
    OpenPgpDecryption decryption = OpenPgpDecryption.withSecretKeys(
        List.of(keyFile("test-only-recipient-a.secret.asc")), new char[0]);

    List<VerificationCheck> checks = new CustodyVerifier(key, decryption)
        .verify(stored.recordFile(), new ByteArrayInputStream(stored.stored()), null);

    assertThat(checks).noneMatch(VerificationCheck::failed);
    assertThat(detail(checks, "plaintext sha256")).isEqualTo(Measurement.of(stored.plaintext()).sha256());
  }

  @Test
  void withoutTheDecryptionKeyThePlaintextIsSkippedNotPassed() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of(keyFile("test-only-recipient-a.pub.asc")));

    List<VerificationCheck> checks = verify(stored.recordFile(), stored.stored(), null);

    assertThat(checks).filteredOn(c -> c.name().equals("plaintext")).singleElement()
        .extracting(VerificationCheck::outcome).isEqualTo(VerificationCheck.Outcome.SKIPPED);
  }

  @Test
  void alteredCiphertextFailsTheStoredDigestAndTheDecryption() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of(keyFile("test-only-recipient-a.pub.asc")));
    byte[] evidence = stored.stored().clone();
    evidence[evidence.length - 100] ^= 0x01;
    OpenPgpDecryption decryption = OpenPgpDecryption.withSecretKeys(
        List.of(keyFile("test-only-recipient-a.secret.asc")), new char[0]);

    List<VerificationCheck> checks = new CustodyVerifier(key, decryption)
        .verify(stored.recordFile(), new ByteArrayInputStream(evidence), null);

    assertThat(failed(checks)).containsExactly("stored sha256", "plaintext");
    assertThat(detail(checks, "plaintext")).startsWith("cannot decrypt: ").contains("integrity");
  }

  @Test
  void aDecryptionKeyThatIsNotARecipientCannotVerify() throws IOException {
    EvidenceFixtures.Stored stored = collect(List.of(keyFile("test-only-recipient-a.pub.asc")));
    OpenPgpDecryption wrong = OpenPgpDecryption.withSecretKeys(
        List.of(keyFile("test-only-recipient-b.secret.asc")), new char[0]);

    assertThatThrownBy(() -> new CustodyVerifier(key, wrong)
        .verify(stored.recordFile(), new ByteArrayInputStream(stored.stored()), null))
        .isInstanceOf(KeyFileException.class).hasMessageContaining("is a recipient");
  }

  @Test
  void aRecordNamesItsPredecessor() throws IOException {
    List<EvidenceFixtures.Stored> series = series(3);
    EvidenceFixtures.Stored second = series.get(1);

    assertThat(verify(second.recordFile(), second.stored(), series.get(0).recordFile()))
        .noneMatch(VerificationCheck::failed);
    List<VerificationCheck> wrong = verify(second.recordFile(), second.stored(), series.get(2).recordFile());
    assertThat(failed(wrong)).containsExactly("previous", "series");
  }

  @Test
  void aWholeChainVerifies() throws IOException {
    List<VerificationCheck> checks = new CustodyVerifier(key, null).verifyChain(files(series(3)));

    assertThat(checks).noneMatch(VerificationCheck::failed);
    assertThat(checks).last().extracting(VerificationCheck::detail).isEqualTo("the last record is number 3 of 3");
  }

  @Test
  void aReorderedChainFails() throws IOException {
    List<byte[]> files = files(series(3));
    List<VerificationCheck> checks = new CustodyVerifier(key, null)
        .verifyChain(List.of(files.get(0), files.get(2), files.get(1)));

    assertThat(failed(checks)).containsExactly("record 2 previous", "record 2 series", "record 3 previous",
        "record 3 series", "series complete");
  }

  @Test
  void aThinnedChainFails() throws IOException {
    List<byte[]> files = files(series(3));
    List<VerificationCheck> checks = new CustodyVerifier(key, null).verifyChain(List.of(files.get(0), files.get(2)));

    assertThat(failed(checks)).containsExactly("record 2 previous", "record 2 series");
    assertThat(detail(checks, "record 2 previous")).contains("(reordered, missing, or altered)");
  }

  @Test
  void aChainCutShortOrStartedLateFails() throws IOException {
    List<byte[]> files = files(series(3));

    assertThat(failed(new CustodyVerifier(key, null).verifyChain(files.subList(0, 2))))
        .containsExactly("series complete");
    assertThat(failed(new CustodyVerifier(key, null).verifyChain(files.subList(1, 3))))
        .containsExactly("record 1 previous", "record 1 series");
  }

  @Test
  void aRecordThatIsNotAnEnvelopeSaysSo() throws IOException {
    List<VerificationCheck> checks = verify("{\"payload\":1}".getBytes(StandardCharsets.UTF_8), new byte[0], null);

    assertThat(checks).singleElement().extracting(VerificationCheck::detail)
        .isEqualTo("not a DSSE envelope: no payload string");
  }

  private EvidenceFixtures.Stored collect(List<Path> recipients) throws IOException {
    return EvidenceFixtures.collect(EvidenceFixtures.archive(40_000, 7), recipients, signingKey, null, null);
  }

  private List<EvidenceFixtures.Stored> series(int count) throws IOException {
    List<EvidenceFixtures.Stored> records = new java.util.ArrayList<>();
    byte[] previous = null;
    for (int i = 0; i < count; i++) {
      EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(1000 + i, i), List.of(),
          signingKey, new SeriesPosition(i, count), previous);
      records.add(stored);
      previous = stored.recordFile();
    }
    return records;
  }

  private static List<byte[]> files(List<EvidenceFixtures.Stored> series) {
    return series.stream().map(EvidenceFixtures.Stored::recordFile).toList();
  }

  private List<VerificationCheck> verify(byte[] record, byte[] evidence, byte[] previous) throws IOException {
    return new CustodyVerifier(key, null).verify(record, new ByteArrayInputStream(evidence), previous);
  }

  private static List<String> names(List<VerificationCheck> checks) {
    return checks.stream().map(VerificationCheck::name).toList();
  }

  private static List<String> failed(List<VerificationCheck> checks) {
    return checks.stream().filter(VerificationCheck::failed).map(VerificationCheck::name).toList();
  }

  private static String detail(List<VerificationCheck> checks, String name) {
    return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().detail();
  }
}
