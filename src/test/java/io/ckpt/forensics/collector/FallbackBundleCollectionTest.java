package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ckpt.forensics.evidence.CustodyRecord;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.evidence.SigningKey;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationKey;
import io.ckpt.forensics.evidence.store.FilesystemEvidenceStore;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collect mode with --fallback-bundle: stored and signed like an archive, the record saying what it is. */
class FallbackBundleCollectionTest {

  static final String FACTS = "{\"pod\":\"web\",\"container\":\"app\",\"kubeletArchivePath\":null,"
      + "\"checkpointFailure\":{\"reason\":\"CRIUFailed\",\"message\":\"criu failed: type NOTIFY\"}}";

  @TempDir
  Path dir;

  @Test
  void aBundleIsStoredWithARecordThatVerifiesAndSaysItIsAFallbackBundle() throws Exception {
    Path secretVolume = Files.createDirectories(dir.resolve("secret"));
    // as the kubelet lays out a Secret volume: the file is a link into the current data directory
    Path data = Files.createDirectories(secretVolume.resolve("..data"));
    Files.writeString(data.resolve("bundle.json"), "{\"kind\":\"ForensicCheckpointFallbackBundle\"}");
    Path bundle = Files.createSymbolicLink(secretVolume.resolve("bundle.json"), Path.of("..data/bundle.json"));
    Path signingKey = EvidenceFixtures.newSigningKey(dir, "Ed25519");
    Path store = Files.createDirectories(dir.resolve("store"));
    EvidenceCollector collector = new EvidenceCollector(new FilesystemEvidenceStore(store),
        SigningKey.load(signingKey), List.of(), Clock.systemUTC());

    Collected collected = collector.collectFallbackBundle(bundle, "dev/x/app-1.fallback-bundle.json",
        CollectFacts.parse(FACTS));

    Path stored = Path.of(URI.create(collected.stored().location()));
    byte[] record = Files.readAllBytes(Path.of(URI.create(collected.recordLocation())));
    assertThat(stored).hasContent("{\"kind\":\"ForensicCheckpointFallbackBundle\"}");
    List<VerificationCheck> checks;
    try (InputStream in = Files.newInputStream(stored)) {
      checks = new CustodyVerifier(VerificationKey.load(EvidenceFixtures.publicKeyOf(signingKey)), null)
          .verify(record, in, null);
    }
    assertThat(checks).noneMatch(VerificationCheck::failed);
    assertThat(checks).anySatisfy(c -> assertThat(c.detail()).contains("FALLBACK BUNDLE, not a checkpoint")
        .contains("CRIUFailed"));
    var predicate = CustodyRecord.parse(record).statement().predicate();
    assertThat(predicate.fallbackBundle().checkpointFailureReason()).isEqualTo("CRIUFailed");
    assertThat(predicate.kubeletArchivePath()).isNull();
    assertThat(collected.removedFromNode()).isFalse();
  }

  @Test
  void anArchivesRecordHasNoFallbackField() throws Exception {
    assertThat(CollectFacts.parse("{\"pod\":\"web\"}").checkpointFailure()).isNull();
    var stored = EvidenceFixtures.collect(EvidenceFixtures.archive(1000, 1), List.of(),
        EvidenceFixtures.newSigningKey(dir, "Ed25519"), null, null);
    String payload = new String(io.ckpt.forensics.evidence.DsseEnvelope.parse(stored.recordFile()).payload(),
        StandardCharsets.UTF_8);
    assertThat(payload).as("archive records keep their bytes").doesNotContain("fallbackBundle");
  }

  @Test
  void aBundleWithoutTheReasonTheCheckpointFailedIsRefused() throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), "{}");
    EvidenceCollector collector = new EvidenceCollector(new FilesystemEvidenceStore(Files.createDirectories(
        dir.resolve("store"))), SigningKey.load(EvidenceFixtures.newSigningKey(dir, "Ed25519")), List.of(),
        Clock.systemUTC());

    CollectionFailure failure = catchThrowableOfType(CollectionFailure.class,
        () -> collector.collectFallbackBundle(bundle, "b.json", CollectFacts.parse("{\"pod\":\"web\"}")));

    assertThat(failure.reason()).isEqualTo(FailureReason.BadConfiguration);
    assertThat(failure.getMessage()).contains("checkpointFailure");
  }

  @Test
  void aLinkOutOfTheVolumeIsNotFollowed() throws Exception {
    Path outside = Files.writeString(dir.resolve("shadow"), "root:x:0:0");
    Path volume = Files.createDirectories(dir.resolve("secret"));
    Path bundle = Files.createSymbolicLink(volume.resolve("bundle.json"), outside);
    Path store = Files.createDirectories(dir.resolve("store"));
    EvidenceCollector collector = new EvidenceCollector(new FilesystemEvidenceStore(store),
        SigningKey.load(EvidenceFixtures.newSigningKey(dir, "Ed25519")), List.of(), Clock.systemUTC());

    CollectionFailure failure = catchThrowableOfType(CollectionFailure.class,
        () -> collector.collectFallbackBundle(bundle, "b.json", CollectFacts.parse(FACTS)));

    assertThat(failure.reason()).isEqualTo(FailureReason.ArchiveUnreadable);
    assertThat(failure.getMessage()).contains("not a regular file inside its volume");
    try (var files = Files.list(store)) {
      assertThat(files).isEmpty();
    }
  }
}
