package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CollectionFailure;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** ForensicCheckpoints in the states the operator writes, for the plugin's renderers. */
final class PluginStatuses {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T09:00:00Z"), ZoneOffset.UTC);

  private PluginStatuses() {}

  static ForensicCheckpoint fcp(String name, ForensicCheckpointStatus status) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("dev")
        .withCreationTimestamp("2026-12-02T08:58:30Z").build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("nettools");
    spec.setReason("Falco: Terminal shell in container");
    spec.setCaseId("INC-42");
    fcp.setSpec(spec);
    fcp.setStatus(status);
    return fcp;
  }

  static ForensicCheckpointStatus status(CheckpointPhase phase, ContainerCheckpointStatus... containers) {
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setPhase(phase);
    status.setNodeName("node-1");
    status.setMessage("1/1 containers checkpointed");
    for (ContainerCheckpointStatus c : containers) {
      status.getContainers().add(c);
    }
    return status;
  }

  static ContainerCheckpointStatus running(String name) {
    ContainerCheckpointStatus c = new ContainerCheckpointStatus();
    c.setName(name);
    c.setPhase(ContainerPhase.Running);
    c.setAttempts(1);
    return c;
  }

  static ContainerCheckpointStatus succeeded(String name) {
    ContainerCheckpointStatus c = running(name);
    c.setPhase(ContainerPhase.Succeeded);
    c.setDurationMillis(41L);
    c.setArchivePath("/var/lib/kubelet/checkpoints/checkpoint-nettools_dev-" + name + "-2026-12-02T09:00:00Z.tar");
    return c;
  }

  static ContainerCheckpointStatus failed(String name, String message) {
    ContainerCheckpointStatus c = running(name);
    c.setPhase(ContainerPhase.Failed);
    c.setFailure(new CheckpointFailure(FailureReason.CRIUFailed, message, 500));
    return c;
  }

  static ContainerCheckpointStatus withEvidence(ContainerCheckpointStatus c, EvidencePhase phase) {
    EvidenceStatus e = new EvidenceStatus();
    e.setPhase(phase);
    e.setCollectorPod("forensic-evidence/fcp-collect-abc");
    if (phase == EvidencePhase.Stored) {
      e.setLocation("file:///evidence/dev/nettools.tar");
      e.setSha256("ab".repeat(32));
      e.setSizeBytes(4096L);
      e.setRecordLocation("file:///evidence/dev/nettools.tar.dsse.json");
    } else if (phase == EvidencePhase.Failed) {
      e.setFailure(new CollectionFailure("StoreRefused", "the store refused the write"));
    }
    c.setEvidence(e);
    return c;
  }

  /** The EvidenceStored condition as the operator sets it. */
  static ForensicCheckpointStatus custody(ForensicCheckpointStatus status, boolean stored, String reason) {
    Conditions.set(status.getConditions(), Conditions.EVIDENCE_STORED, stored, reason, "1/1 archives stored", 1L,
        CLOCK);
    return status;
  }
}
