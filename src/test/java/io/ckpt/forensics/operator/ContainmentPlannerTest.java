package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainmentState;
import io.ckpt.forensics.api.ContainmentStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Evidence first, then contain: when the operator contains a policy's pod, refuses, or waits. */
class ContainmentPlannerTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T01:00:00Z"), ZoneOffset.UTC);
  static final String SHA = "a".repeat(64);

  /** A checkpoint that Succeeded with its one archive stored (sha256 read back equal): safe to contain. */
  static ForensicCheckpoint stored() {
    ForensicCheckpoint fcp = CollectorPodsTest.fcp();
    EvidenceStatus evidence = new EvidenceStatus();
    evidence.setPhase(EvidencePhase.Stored);
    evidence.setSha256(SHA);
    evidence.setStoredSha256(SHA);
    fcp.getStatus().getContainers().get(0).setEvidence(evidence);
    CheckpointProgress.summarize(fcp.getStatus(), 1L, CLOCK);
    return fcp;
  }

  static ContainmentPlanner.Decision decide(ForensicCheckpoint fcp) {
    return ContainmentPlanner.decide(fcp, true, true, true);
  }

  @Test
  void storedVerifiedEvidenceOfASucceededCheckpointIsContained() {
    ForensicCheckpoint fcp = stored();
    assertThat(fcp.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED).getStatus())
        .isEqualTo("True");

    assertThat(decide(fcp)).isInstanceOf(ContainmentPlanner.Decision.Contain.class);
  }

  @Test
  void nothingWhileTheEvidenceIsStillBeingCollected() {
    ForensicCheckpoint fcp = stored();
    fcp.getStatus().getContainers().get(0).getEvidence().setPhase(EvidencePhase.Collecting);
    CheckpointProgress.summarize(fcp.getStatus(), 1L, CLOCK);

    assertThat(decide(fcp)).isSameAs(ContainmentPlanner.NOTHING);
  }

  @Test
  void nothingBeforeTheCheckpointEnds() {
    ForensicCheckpoint fcp = stored();
    fcp.getStatus().setPhase(CheckpointPhase.Running);

    assertThat(decide(fcp)).isSameAs(ContainmentPlanner.NOTHING);
  }

  @Test
  void nothingWhenThePolicyDoesNotAskOrTheDecisionIsRecorded() {
    assertThat(ContainmentPlanner.decide(stored(), false, true, true)).isSameAs(ContainmentPlanner.NOTHING);
    ForensicCheckpoint decided = stored();
    decided.getStatus().setContainment(ContainmentStatus.of(ContainmentState.Contained, "dev/web",
        "dev/" + ContainmentStatus.NETWORK_POLICY, "2026-12-02T00:00:00Z", "contained"));
    assertThat(decide(decided)).as("a label removed since is never put back").isSameAs(ContainmentPlanner.NOTHING);
  }

  @Test
  void evidenceThatFailedToStoreIsNotContained() {
    ForensicCheckpoint fcp = stored();
    fcp.getStatus().getContainers().get(0).setEvidence(CollectorPods.failed("fcp-evidence/x", "UploadFailed",
        "store refused"));
    CheckpointProgress.summarize(fcp.getStatus(), 1L, CLOCK);

    assertThat(decide(fcp)).isInstanceOfSatisfying(ContainmentPlanner.Decision.Refuse.class,
        r -> assertThat(r.why()).startsWith("not contained because the evidence is not safe"));
  }

  @Test
  void aStoredDigestThatDiffersFromTheArchivesIsNotVerified() {
    ForensicCheckpoint fcp = stored();
    fcp.getStatus().getContainers().get(0).getEvidence().setStoredSha256("b".repeat(64));

    assertThat(decide(fcp)).isInstanceOf(ContainmentPlanner.Decision.Refuse.class);
    fcp.getStatus().getContainers().get(0).getEvidence().setEncrypted(true);
    assertThat(decide(fcp)).as("encrypted: the stored digest is the ciphertext's")
        .isInstanceOf(ContainmentPlanner.Decision.Contain.class);
  }

  @Test
  void custodyOffIsRefusedAndSaysTheEvidenceIsNotInCustody() {
    ForensicCheckpoint fcp = CollectorPodsTest.fcp(); // no evidence at all: custody never ran
    CheckpointProgress.summarize(fcp.getStatus(), 1L, CLOCK);

    assertThat(ContainmentPlanner.decide(fcp, true, true, false)).isInstanceOfSatisfying(
        ContainmentPlanner.Decision.Refuse.class,
        r -> assertThat(r.why()).contains("not contained because evidence is not in custody"));
  }

  @Test
  void anOperatorWithoutContainmentRefusesNamingTheChartValue() {
    assertThat(ContainmentPlanner.decide(stored(), true, false, true)).isInstanceOfSatisfying(
        ContainmentPlanner.Decision.Refuse.class,
        r -> assertThat(r.why()).contains("alerts.containment.enabled=true"));
  }

  @Test
  void aCheckpointThatDidNotFullySucceedIsNotContained() {
    ForensicCheckpoint fcp = stored();
    fcp.getStatus().setPhase(CheckpointPhase.PartiallySucceeded);

    assertThat(decide(fcp)).isInstanceOfSatisfying(ContainmentPlanner.Decision.Refuse.class,
        r -> assertThat(r.why()).contains("PartiallySucceeded"));
  }
}
