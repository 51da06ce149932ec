package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.evidence.SigningKey;
import io.ckpt.forensics.evidence.store.EvidenceDigestMismatchException;
import io.ckpt.forensics.evidence.store.EvidenceStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a store's failures become reasons, and that the node's copy stays whenever anything failed. */
class EvidenceCollectorTest {

  @TempDir
  Path dir;

  @Test
  void aDigestMismatchIsReportedAsSuchAndTheNodesCopyStays() throws IOException {
    Path archive = archive();

    CollectionFailure failure = collect(archive, new FailingStore(Long.MAX_VALUE,
        new EvidenceDigestMismatchException("read back 3 bytes, wrote 4: the copy at test://a.tar is damaged")));

    assertThat(failure.reason()).isEqualTo(FailureReason.DigestMismatch);
    assertThat(failure.getMessage()).contains("the copy at test://a.tar is damaged");
    assertThat(archive).exists();
  }

  @Test
  void anyOtherStoreFailureIsUnavailableAndNamesTheLocation() throws IOException {
    Path archive = archive();

    CollectionFailure failure = collect(archive, new FailingStore(Long.MAX_VALUE,
        new IOException("No space left on device")));

    assertThat(failure.reason()).isEqualTo(FailureReason.StoreUnavailable);
    assertThat(failure.getMessage()).isEqualTo("storing test://a.tar failed: No space left on device");
    assertThat(archive).exists();
  }

  private Path archive() throws IOException {
    return Files.write(dir.resolve("a.tar"), EvidenceFixtures.archive(300_000, 1));
  }

  private CollectionFailure collect(Path archive, EvidenceStore store) throws IOException {
    SigningKey key = SigningKey.load(EvidenceFixtures.newSigningKey(dir, "Ed25519"));
    EvidenceCollector collector = new EvidenceCollector(store, key, List.of(), Clock.systemUTC());
    return catchThrowableOfType(CollectionFailure.class,
        () -> collector.collect(archive, "a.tar", CollectFacts.NONE, true));
  }
}
