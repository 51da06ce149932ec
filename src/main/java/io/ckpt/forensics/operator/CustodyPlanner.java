package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ExportStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides the custody steps of one ForensicCheckpoint (issue 12): each container that succeeded is
 * marked {@code evidence.phase: Collecting} in a status write before its collector pod is created
 * (so a restarted operator finds the pod by its name instead of starting another), a finished
 * collector's report is written before its pod is deleted (so the report is never lost), and a pod
 * left behind by a crash between the two is deleted. A container whose checkpoint failed in a way
 * its workload can cause gets a fallback bundle the same way ({@link FallbackBundles}). Pure: no API calls.
 */
final class CustodyPlanner {

  /**
   * A collector pod as the informer has it: {@code report} once it finished, else null; {@code export}
   * once it finished, stored the evidence and was asked to push the checkpoint image, else null.
   */
  record Collector(String podName, EvidenceStatus report, ExportStatus export) {

    /** A collector that pushes no image. */
    Collector(String podName, EvidenceStatus report) {
      this(podName, report, null);
    }
  }

  /** What to do: containers whose collector pod to create, pods to delete, and what to tell. */
  record Steps(boolean changed, List<String> start, List<String> delete, List<CheckpointPlanner.Notice> notices) {
  }

  private final CollectionConfig config;
  private final ExportConfig export;

  /** Export off. */
  CustodyPlanner(CollectionConfig config) {
    this(config, ExportConfig.OFF);
  }

  CustodyPlanner(CollectionConfig config, ExportConfig export) {
    this.config = config;
    this.export = export;
  }

  boolean enabled() {
    return config.enabled();
  }

  /** True if some container still needs a custody step: the object is not done yet. */
  boolean pending(ForensicCheckpointStatus status) {
    return enabled() && status.getContainers().stream().anyMatch(c -> inCustody(c)
        && (c.getEvidence() == null || c.getEvidence().getPhase() == EvidencePhase.Collecting));
  }

  /**
   * Applies the custody steps to {@code status} (the planner's copy) and says what to do after it is
   * written. {@code collectors} holds the collector pods that exist, by container name.
   */
  Steps plan(ForensicCheckpoint fcp, ForensicCheckpointStatus status, Map<String, Collector> collectors) {
    List<String> start = new ArrayList<>();
    List<String> delete = new ArrayList<>();
    List<CheckpointPlanner.Notice> notices = new ArrayList<>();
    boolean changed = false;
    if (!enabled()) {
      return new Steps(recordExports(fcp, status, notices), start, delete, notices);
    }
    for (ContainerCheckpointStatus c : status.getContainers()) {
      if (!inCustody(c)) {
        continue;
      }
      Collector pod = collectors.get(c.getName());
      EvidenceStatus evidence = c.getEvidence();
      if (evidence == null) {
        if (c.getPhase() == ContainerPhase.Failed) { // its checkpoint failed: a fallback bundle instead (§4)
          String name = FallbackBundles.name(fcp.getMetadata().getUid(), c.getName(),
              CollectorPods.attemptKey(status, c));
          c.setEvidence(FallbackBundles.collecting(config.namespace() + "/" + name));
        } else {
          String name = CollectorPods.name(fcp.getMetadata().getUid(), c.getName(),
              CollectorPods.attemptKey(status, c));
          c.setEvidence(CollectorPods.collecting(config.namespace() + "/" + name));
        }
        start.add(c.getName());
        notices.add(new CheckpointPlanner.Notice.EvidenceCollecting(c.getName()));
        changed = true;
      } else if (evidence.getPhase() == EvidencePhase.Collecting) {
        if (pod == null) {
          start.add(c.getName()); // created once already (AlreadyExists then), or lost: asked again
        } else if (pod.report() != null) {
          EvidenceStatus report = pod.report();
          report.setCollectorPod(evidence.getCollectorPod());
          report.setFallbackBundle(evidence.getFallbackBundle()); // the operator's mark, not the pod's word
          c.setEvidence(report);
          delete.add(pod.podName());
          notices.add(report.getPhase() == EvidencePhase.Stored
              ? new CheckpointPlanner.Notice.EvidenceStored(c.getName())
              : new CheckpointPlanner.Notice.EvidenceNotStored(c.getName()));
          if (report.getPhase() == EvidencePhase.Stored && pod.export() != null && c.getExport() == null) {
            c.setExport(pod.export());
            notices.add(pod.export().getFailure() == null ? new CheckpointPlanner.Notice.ExportPushed(c.getName())
                : new CheckpointPlanner.Notice.ExportFailed(c.getName()));
          }
          changed = true;
        }
      } else if (pod != null) {
        delete.add(pod.podName()); // its report is in status; the pod was left by a crash before deleting it
      }
    }
    changed |= recordExports(fcp, status, notices);
    return new Steps(changed, start, delete, notices);
  }

  /**
   * Writes, once, why a checkpointed container of an object with {@code spec.export} has no image:
   * refused by the admin's configuration (as soon as it succeeded), its archive not stored, or
   * stored by a collector that reported no export. An image the collector pushed (or failed to) is
   * recorded from its report in {@link #plan}.
   */
  private boolean recordExports(ForensicCheckpoint fcp, ForensicCheckpointStatus status,
      List<CheckpointPlanner.Notice> notices) {
    ExportSpec asked = fcp.getSpec() == null ? null : fcp.getSpec().getExport();
    if (asked == null) {
      return false;
    }
    boolean changed = false;
    for (ContainerCheckpointStatus c : status.getContainers()) {
      if (c.getPhase() != ContainerPhase.Succeeded || c.getExport() != null) {
        continue;
      }
      Optional<ExportFailure> why = export.refusal(asked);
      if (why.isEmpty() && !enabled()) {
        why = Optional.of(new ExportFailure(ExportFailure.EVIDENCE_NOT_STORED, "the image is built from the archive"
            + " taken into custody, and this operator takes none (no evidence store configured)"));
      } else if (why.isEmpty() && c.getEvidence() != null && c.getEvidence().getPhase() == EvidencePhase.Failed) {
        why = Optional.of(new ExportFailure(ExportFailure.EVIDENCE_NOT_STORED, "the image is built from the archive"
            + " taken into custody, and this one was not stored (evidence.failure says why)"));
      } else if (why.isEmpty() && c.getEvidence() != null && c.getEvidence().getPhase() == EvidencePhase.Stored) {
        why = Optional.of(new ExportFailure(ExportFailure.EXPORT_ERROR, "not built: the collector stored the"
            + " evidence without reporting an export; build the image from the stored evidence with fcp image"
            + " (docs/export.md)"));
      }
      if (why.isPresent()) {
        ExportStatus recorded = new ExportStatus();
        recorded.setFailure(why.get());
        c.setExport(recorded);
        notices.add(new CheckpointPlanner.Notice.ExportFailed(c.getName()));
        changed = true;
      }
    }
    return changed;
  }

  /** A checkpointed container's archive, or a failed one's fallback bundle, is taken into custody. */
  private boolean inCustody(ContainerCheckpointStatus c) {
    return c.getPhase() == ContainerPhase.Succeeded || FallbackBundles.eligible(c, config);
  }
}
