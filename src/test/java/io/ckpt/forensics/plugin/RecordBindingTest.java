package io.ckpt.forensics.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A validly signed record of another checkpoint is not this one's evidence. */
class RecordBindingTest {

  @TempDir
  Path dir;

  /** The object EvidenceFixtures' records name. */
  private static ObjectMeta meta(String uid) {
    return new ObjectMetaBuilder().withNamespace("dev").withName("nettools-inc42").withUid(uid).build();
  }

  @Test
  void theRecordMustNameTheObjectByUidAndTheContainer() throws Exception {
    byte[] record = EvidenceFixtures.collect(EvidenceFixtures.archive(1024, 7), List.of(),
        EvidenceFixtures.newSigningKey(dir, "EC"), null, null).recordFile();
    String uid = "6f1c1f9e-3a51-4d0e-9d5c-2b0c8f1a7e11";

    VerificationCheck same = RecordBinding.check(record, meta(uid), "nettools");
    VerificationCheck recreated = RecordBinding.check(record, meta("0bb1f0d1-0000-4000-8000-000000000000"), "nettools");
    VerificationCheck otherContainer = RecordBinding.check(record, meta(uid), "sidecar");

    assertThat(same.failed()).as(same.detail()).isFalse();
    assertThat(same.detail()).isEqualTo("record of dev/nettools-inc42 (uid " + uid + "), container nettools");
    assertThat(recreated.failed()).isTrue();
    assertThat(recreated.detail()).startsWith("the record is of dev/nettools-inc42 (uid " + uid + "), container nettools,"
        + " not of dev/nettools-inc42 (uid 0bb1f0d1-");
    assertThat(otherContainer.failed()).isTrue();
  }

  @Test
  void somethingElseThanARecordFails() {
    assertThat(RecordBinding.check("{}".getBytes(), meta("x"), "app").failed()).isTrue();
  }
}
