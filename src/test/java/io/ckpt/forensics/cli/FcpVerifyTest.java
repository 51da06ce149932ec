package io.ckpt.forensics.cli;

import static io.ckpt.forensics.evidence.EvidenceFixtures.keyFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.evidence.CustodyCopy;
import io.ckpt.forensics.evidence.CustodyPredicate.SeriesPosition;
import io.ckpt.forensics.evidence.CustodyRecord;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.evidence.InTotoStatement;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fcp verify}: one line per check, exit 0 / 1 (a check failed) / 2 (cannot verify). */
class FcpVerifyTest {

  @TempDir
  Path dir;
  private Path signingKey;
  private Path publicKey;

  @BeforeEach
  void keys() {
    signingKey = EvidenceFixtures.newSigningKey(dir, "EC");
    publicKey = EvidenceFixtures.publicKeyOf(signingKey);
  }

  @Test
  void matchingEvidenceVerifiesWithExitZero() throws IOException {
    Path[] files = store(EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 1), List.of(), signingKey, null, null));

    FcpRun run = FcpRun.of("verify", "--key", publicKey.toString(), "--record", files[1].toString(), files[0].toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines()).hasSize(7).allMatch(l -> l.startsWith("ok  ") || l.startsWith("verified"));
    assertThat(run.out()).contains("ok    plaintext sha256  " + Measurement.of(EvidenceFixtures.archive(4096, 1)).sha256())
        .endsWith("verified: 6 checks passed\n");
  }

  @Test
  void aFlippedByteExitsOneAndNamesTheCheck() throws IOException {
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 1), List.of(), signingKey,
        null, null);
    Path[] files = store(stored);
    byte[] altered = stored.stored().clone();
    altered[100] ^= 0x01;
    Files.write(files[0], altered);

    FcpRun run = FcpRun.of("verify", "--key", publicKey.toString(), "--record", files[1].toString(), files[0].toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains("FAIL  stored sha256     the record says " + Measurement.of(stored.stored()).sha256()
        + ", the evidence has " + Measurement.of(altered).sha256() + "\n")
        .endsWith("NOT verified: 2 of 6 checks failed: stored sha256, plaintext sha256\n");
  }

  @Test
  void anotherKeyExitsOne() throws IOException {
    Path[] files = store(EvidenceFixtures.collect(EvidenceFixtures.archive(10, 1), List.of(), signingKey, null, null));
    Path other = EvidenceFixtures.publicKeyOf(EvidenceFixtures.newSigningKey(dir, "Ed25519"));

    FcpRun run = FcpRun.of("verify", "--key", other.toString(), "--record", files[1].toString(), files[0].toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains("FAIL  signature ").contains("another key signed it");
  }

  @Test
  void encryptedEvidenceIsCheckedThroughToItsPlaintextWithTheSecretKey() throws IOException {
    Path[] files = store(EvidenceFixtures.collect(EvidenceFixtures.archive(100_000, 5),
        List.of(keyFile("test-only-recipient-b.pub.asc")), signingKey, null, null));

    FcpRun without = FcpRun.of("verify", "--key", publicKey.toString(), "--record", files[1].toString(),
        files[0].toString());
    FcpRun with = FcpRun.of("verify", "--key", publicKey.toString(), "--record", files[1].toString(),
        "--decryption-key", keyFile("test-only-recipient-b.secret.asc").toString(), files[0].toString());
    FcpRun wrongKey = FcpRun.of("verify", "--key", publicKey.toString(), "--record", files[1].toString(),
        "--decryption-key", keyFile("test-only-recipient-a.secret.asc").toString(), files[0].toString());

    assertThat(without.exitCode()).isZero();
    assertThat(without.out()).contains("skip  plaintext").contains("(some skipped, see above)");
    assertThat(with.exitCode()).as(with.err()).isZero();
    assertThat(with.out()).contains("ok    plaintext size    100000 bytes");
    assertThat(wrongKey.exitCode()).as("an unusable key").isEqualTo(4);
    assertThat(wrongKey.err()).startsWith("fcp: none of the decryption keys");
  }

  @Test
  void aMissingFileExitsThreeBadUsageTwoAndABadKeyFour() throws IOException {
    Path[] files = store(EvidenceFixtures.collect(EvidenceFixtures.archive(10, 1), List.of(), signingKey, null, null));

    FcpRun missing = FcpRun.of("verify", "--key", publicKey.toString(), "--record", files[1].toString(),
        dir.resolve("nope").toString());
    FcpRun noRecord = FcpRun.of("verify", "--key", publicKey.toString(), files[0].toString());
    FcpRun notAKey = FcpRun.of("verify", "--key", files[1].toString(), "--record", files[1].toString(),
        files[0].toString());

    assertThat(missing.exitCode()).isEqualTo(3);
    assertThat(missing.err()).startsWith("fcp: cannot read: " + dir.resolve("nope"));
    assertThat(noRecord.exitCode()).isEqualTo(2);
    assertThat(noRecord.err()).contains("verify needs --record RECORD").contains("Try 'fcp verify --help'.");
    assertThat(notAKey.exitCode()).isEqualTo(4);
    assertThat(notAKey.err()).contains("no PEM block");
  }

  @Test
  void aChainVerifiesAndAThinnedOneExitsOne() throws IOException {
    List<Path> records = new ArrayList<>();
    byte[] previous = null;
    for (int i = 0; i < 3; i++) {
      EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(10, i), List.of(), signingKey,
          new SeriesPosition(i, 3), previous);
      previous = stored.recordFile();
      records.add(Files.write(dir.resolve("record-" + i + ".dsse.json"), previous));
    }

    FcpRun whole = FcpRun.of("verify", "--key", publicKey.toString(), "--chain", records.get(0).toString(),
        records.get(1).toString(), records.get(2).toString());
    FcpRun thinned = FcpRun.of("verify", "--key", publicKey.toString(), "--chain", records.get(0).toString(),
        records.get(2).toString());
    FcpRun linked = FcpRun.of("verify", "--key", publicKey.toString(), "--record", records.get(2).toString(),
        "--previous", records.get(1).toString(), records.get(0).toString());

    assertThat(whole.exitCode()).as(whole.out()).isZero();
    assertThat(whole.out()).contains("ok    series complete     the last record is number 3 of 3");
    assertThat(thinned.exitCode()).isEqualTo(1);
    assertThat(thinned.out()).contains("FAIL  record 2 previous ").contains("FAIL  record 2 series ");
    // the record checks out against its predecessor; the evidence given is another one's
    assertThat(linked.out()).contains("ok    previous ").contains("FAIL  stored sha256 ");
  }

  @Test
  void textFromTheRecordIsPrintedEscaped() throws IOException {
    CustodyCopy.Result copy = CustodyCopy.copy(new ByteArrayInputStream(new byte[3]), new ByteArrayOutputStream(),
        List.of());
    CustodyRecord record = CustodyRecord.sign(InTotoStatement.custody("evil\u001b[2J\u202e.tar",
        EvidenceFixtures.predicate(copy, null, null)), SigningKey.load(signingKey));
    Path recordFile = Files.write(dir.resolve("evil.dsse.json"), record.fileBytes());
    Path evidence = Files.write(dir.resolve("evil.tar"), new byte[3]);

    FcpRun run = FcpRun.of("verify", "--key", publicKey.toString(), "--record", recordFile.toString(),
        evidence.toString());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("subject evil\\x1b[2J\\u202e.tar").doesNotContain("\u001b", "\u202e");
  }

  private Path[] store(EvidenceFixtures.Stored stored) throws IOException {
    Path evidence = Files.write(dir.resolve("evidence.tar"), stored.stored());
    Path record = Files.write(dir.resolve("evidence.tar.dsse.json"), stored.recordFile());
    return new Path[] {evidence, record};
  }

  /** An export record naming {@code custodyRecord} and {@code evidence}, signed with {@code key}. */
  private Path exportRecord(byte[] custodyRecord, byte[] evidence, Path key) throws IOException {
    io.ckpt.forensics.evidence.ExportPredicate predicate = new io.ckpt.forensics.evidence.ExportPredicate(
        new io.ckpt.forensics.evidence.ExportPredicate.StoredObject("file:///s/a.tar.dsse.json",
            Measurement.of(custodyRecord).sha256()),
        new io.ckpt.forensics.evidence.ExportPredicate.StoredObject("file:///s/a.tar", Measurement.of(evidence).sha256()),
        new io.ckpt.forensics.evidence.ExportPredicate.Digest("e".repeat(64)), "r.example/app", "t", List.of(),
        "2026-12-02T10:00:00Z", new io.ckpt.forensics.evidence.CustodyPredicate.Tool("forensic-checkpoint", "0"));
    byte[] file = io.ckpt.forensics.evidence.ExportRecord.sign(io.ckpt.forensics.evidence.ExportStatement.of(
        "r.example/app:t", "sha256:" + "d".repeat(64), predicate), SigningKey.load(key)).fileBytes();
    return Files.write(dir.resolve("a.tar.export.dsse.json"), file);
  }

  @Test
  void anExportRecordNamingTheRecordAndEvidenceVerifies() throws IOException {
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 1), List.of(), signingKey,
        null, null);
    Path[] files = store(stored);
    Path export = exportRecord(stored.recordFile(), stored.stored(), signingKey);

    FcpRun run = FcpRun.of("verify", "--key", publicKey.toString(), "--export-record", export.toString(), "--record",
        files[1].toString(), files[0].toString());

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("ok    export signature").contains("ok    export names custody record")
        .contains("ok    export names evidence").contains("image r.example/app:t manifest sha256:" + "d".repeat(64))
        .endsWith("verified: 10 checks passed\n");
  }

  @Test
  void anExportRecordOfAnotherCustodyRecordExitsOne() throws IOException {
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 1), List.of(), signingKey,
        null, null);
    Path[] files = store(stored);
    EvidenceFixtures.Stored other = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 2), List.of(), signingKey,
        null, null);
    Path export = exportRecord(other.recordFile(), other.stored(), signingKey);

    FcpRun run = FcpRun.of("verify", "--key", publicKey.toString(), "--export-record", export.toString(), "--record",
        files[1].toString(), files[0].toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains("FAIL  export names custody record").contains("belongs to another collection")
        .endsWith("NOT verified: 2 of 10 checks failed: export names custody record, export names evidence\n");
  }

  @Test
  void anExportRecordSignedByAnotherKeyOrAlteredExitsOne() throws IOException {
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 1), List.of(), signingKey,
        null, null);
    Path export = exportRecord(stored.recordFile(), stored.stored(), EvidenceFixtures.newSigningKey(dir, "EC"));

    FcpRun run = FcpRun.of("verify", "--key", publicKey.toString(), "--export-record", export.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains("FAIL  export signature").contains("another key signed it");

    Path mine = exportRecord(stored.recordFile(), stored.stored(), signingKey);
    byte[] altered = Files.readAllBytes(mine);
    int sig = new String(altered, java.nio.charset.StandardCharsets.UTF_8).indexOf("\"sig\":\"") + 7;
    altered[sig] = (byte) (altered[sig] == 'A' ? 'B' : 'A');
    Files.write(mine, altered);

    FcpRun flipped = FcpRun.of("verify", "--key", publicKey.toString(), "--export-record", mine.toString());

    assertThat(flipped.exitCode()).isEqualTo(1);
    assertThat(flipped.out()).contains("FAIL  export signature").contains("the record names this key");
  }

  @Test
  void evidenceWithoutItsCustodyRecordIsABadOption() throws IOException {
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(10, 1), List.of(), signingKey,
        null, null);
    Path[] files = store(stored);
    Path export = exportRecord(stored.recordFile(), stored.stored(), signingKey);

    FcpRun run = FcpRun.of("verify", "--key", publicKey.toString(), "--export-record", export.toString(),
        files[0].toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("EVIDENCE only with --record");
  }
}
