package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.kubelet.CheckpointTarget;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells people and Prometheus what happened to a ForensicCheckpoint: its Events, its log lines and
 * its metrics, in one place, from the planner's notices once their status is written. A container
 * result that ends the object is told in the object's terminal Event, not in one of its own: the two
 * would say the same thing.
 */
final class CheckpointNotifier {

  private static final Logger LOG = LoggerFactory.getLogger(ForensicCheckpointReconciler.class);

  private final CheckpointEvents events;
  private final CheckpointMetrics metrics;
  private final Clock clock;
  private final Optional<String> transportWarning;

  CheckpointNotifier(CheckpointEvents events, CheckpointMetrics metrics, Clock clock, Optional<String> transportWarning) {
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.transportWarning = transportWarning;
  }

  /** Announces the notices of one written status, in order; {@code fcp} is the object as written. */
  void announce(ForensicCheckpoint fcp, List<CheckpointPlanner.Notice> notices) {
    boolean finishes = notices.stream().anyMatch(n -> n instanceof CheckpointPlanner.Notice.Finished);
    List<String> checkpointed = new ArrayList<>();
    for (CheckpointPlanner.Notice notice : notices) {
      if (notice instanceof CheckpointPlanner.Notice.Requested r) {
        requested(fcp, r);
      } else if (notice instanceof CheckpointPlanner.Notice.CallEnded e) {
        metrics.kubeletCall(e.succeeded(), e.elapsed());
      } else if (notice instanceof CheckpointPlanner.Notice.ContainerCheckpointed c) {
        metrics.containerFinished(null);
        LOG.info("container checkpointed fcp={} container={} durationMillis={}", ref(fcp), c.container(), c.millis());
        String said = "container " + c.container() + " checkpointed in " + c.millis() + " ms"
            + fcp.getStatus().container(c.container()).map(ContainerCheckpointStatus::getArchivePath)
                .map(path -> " to " + path).orElse("");
        if (finishes) {
          checkpointed.add(said);
        } else {
          events.normal(fcp, "ContainerCheckpointed", said + "; the archive path is in status.containers");
        }
      } else if (notice instanceof CheckpointPlanner.Notice.ContainerFailed f) {
        fcp.getStatus().container(f.container()).ifPresent(c -> containerFailed(fcp, c));
      } else if (notice instanceof CheckpointPlanner.Notice.WholeFailure w) {
        events.warning(fcp, w.reason().name(), w.message());
        LOG.warn("checkpoint failed fcp={} reason={} message=\"{}\"", ref(fcp), w.reason(), w.message());
      } else if (notice instanceof CheckpointPlanner.Notice.Finished) {
        finished(fcp, checkpointed);
      } else if (notice instanceof CheckpointPlanner.Notice.Superseded s) {
        superseded(fcp, s);
      } else if (notice instanceof CheckpointPlanner.Notice.EvidenceStored e
          && fcp.getStatus().container(e.container()).map(c -> c.getEvidence() != null
              && Boolean.TRUE.equals(c.getEvidence().getFallbackBundle())).orElse(false)) {
        fallbackBundleStored(fcp, fcp.getStatus().container(e.container()).orElseThrow());
      } else if (notice instanceof CheckpointPlanner.Notice.EvidenceStored e) {
        fcp.getStatus().container(e.container()).map(ContainerCheckpointStatus::getEvidence).ifPresent(ev -> {
          events.normal(fcp, "EvidenceStored", "container " + e.container() + ": archive stored at " + ev.getLocation()
              + " (sha256 " + ev.getSha256() + ", " + ev.getSizeBytes() + " bytes" + (Boolean.TRUE.equals(ev.getEncrypted())
              ? ", encrypted" : "") + "), custody record at " + ev.getRecordLocation()
              + (Boolean.TRUE.equals(ev.getRemovedFromNode()) ? "; the node's copy was removed" : ""));
          LOG.info("evidence stored fcp={} container={} location={} sha256={} record={}", ref(fcp), e.container(),
              ev.getLocation(), ev.getSha256(), ev.getRecordLocation());
        });
      } else if (notice instanceof CheckpointPlanner.Notice.EvidenceNotStored e) {
        fcp.getStatus().container(e.container()).map(ContainerCheckpointStatus::getEvidence).ifPresent(ev -> {
          events.warning(fcp, "EvidenceNotStored", "container " + e.container() + ": " + ev.getFailure().getReason()
              + ": " + ev.getFailure().getMessage());
          LOG.warn("evidence not stored fcp={} container={} reason={} message=\"{}\"", ref(fcp), e.container(),
              ev.getFailure().getReason(), ev.getFailure().getMessage());
        });
      } else if (notice instanceof CheckpointPlanner.Notice.ExportPushed e) {
        fcp.getStatus().container(e.container()).map(ContainerCheckpointStatus::getExport).ifPresent(ex -> {
          int dropped = ex.getDroppedAnnotations() == null ? 0 : ex.getDroppedAnnotations().size();
          events.normal(fcp, "ExportPushed", "container " + e.container() + ": checkpoint image pushed as "
              + ex.getReference() + " (tag " + ex.getImage() + "); " + dropped + " restore settings dropped from the"
              + " archive (export.droppedAnnotations)");
          LOG.info("export pushed fcp={} container={} reference={}", ref(fcp), e.container(), ex.getReference());
        });
      } else if (notice instanceof CheckpointPlanner.Notice.ExportFailed e) {
        fcp.getStatus().container(e.container()).map(ContainerCheckpointStatus::getExport)
            .filter(ex -> ex.getFailure() != null).ifPresent(ex -> {
              events.warning(fcp, "ExportFailed", "container " + e.container() + ": " + ex.getFailure().getReason()
                  + ": " + ex.getFailure().getMessage());
              LOG.warn("export failed fcp={} container={} reason={} message=\"{}\"", ref(fcp), e.container(),
                  ex.getFailure().getReason(), ex.getFailure().getMessage());
            });
      } else if (notice instanceof CheckpointPlanner.Notice.EvidenceCollecting e) {
        LOG.info("evidence collection asked for fcp={} container={}", ref(fcp), e.container());
      } else if (notice instanceof CheckpointPlanner.Notice.IdentityChanged i) {
        fcp.getStatus().container(i.container()).ifPresent(c -> {
          events.warning(fcp, "IdentityChanged", "container " + c.getName() + ": " + c.getIdentityChange().getMessage());
          LOG.warn("identity changed during the call fcp={} container={} message=\"{}\"", ref(fcp), c.getName(),
              c.getIdentityChange().getMessage());
        });
      }
    }
  }

  /**
   * A kubelet answer (or the transport's error) arrived, before anything is written about it: the
   * identities the call was made for and the archive path, so the log alone can tie an archive to
   * its object, pod and container.
   */
  void answerArrived(ForensicCheckpoint fcp, ContainerCheckpointStatus entry, CheckpointTarget target,
      CheckpointOutcome outcome, Throwable error) {
    String result = outcome instanceof CheckpointOutcome.Success s ? "succeeded archivePath=" + s.archivePath()
        : outcome instanceof CheckpointOutcome.Failure f ? "failed reason=" + f.failure().getReason()
        : "failed error=" + (error == null ? "none" : error.getClass().getSimpleName());
    LOG.info("kubelet answer arrived fcp={} fcpUID={} podUID={} container={} containerID={} node={} attemptID={}"
        + " result={}", ref(fcp), fcp.getMetadata().getUid(), fcp.getStatus().getPodUID(), target.container(),
        entry.getContainerID(), target.node(), entry.getAttemptID(), result);
  }

  /** A kubelet call is about to be sent; {@code entry} is its container's status as marked Running. */
  void callStarting(ForensicCheckpoint fcp, CheckpointTarget target, ContainerCheckpointStatus entry,
      Integer requestedTimeout) {
    LOG.info("kubelet call started fcp={} target={} attempt={} attemptID={} timeoutSeconds={}", ref(fcp), target,
        entry.getAttempts(), entry.getAttemptID(), target.timeoutSeconds());
    if (requestedTimeout != null && requestedTimeout > target.timeoutSeconds()) {
      events.warning(fcp, "TimeoutCapped", "container " + target.container() + ": spec.timeoutSeconds "
          + requestedTimeout + " is above the operator's maximum (" + OperatorConfig.MAX_TIMEOUT_SECONDS
          + "); the kubelet is given " + target.timeoutSeconds() + " s");
    }
  }

  /** A container waits for, or got, a permit on {@code node}: its queue-depth gauge exists from then on. */
  void nodeSeen(String node) {
    metrics.nodeSeen(node);
  }

  /**
   * A call ended after its object was deleted: nothing can record it, but the kubelet may have
   * written an archive, so the log keeps where.
   */
  void resultAfterDeletion(CheckpointKey key, CheckpointOutcome outcome, Throwable error) {
    if (outcome instanceof CheckpointOutcome.Success success) {
      LOG.warn("kubelet result arrived after the ForensicCheckpoint was deleted fcp={} container={} result=succeeded"
          + " archivePath={}; the archive stays on the node", key.resource().getNamespace().orElse("") + "/"
          + key.resource().getName(), key.container(), success.archivePath());
    } else {
      String why = outcome instanceof CheckpointOutcome.Failure failure ? failure.failure().getReason().name()
          : String.valueOf(error);
      LOG.warn("kubelet result arrived after the ForensicCheckpoint was deleted fcp={} container={} result=failed"
          + " reason={}", key.resource().getNamespace().orElse("") + "/" + key.resource().getName(), key.container(),
          why);
    }
  }

  /**
   * A call of this process ended after another process had marked the container with a new attempt
   * (a split brain during failover): status keeps that attempt; this result is told in the log and
   * an Event, since the kubelet may have written an archive for it.
   */
  private void superseded(ForensicCheckpoint fcp, CheckpointPlanner.Notice.Superseded s) {
    String result = s.outcome() instanceof CheckpointOutcome.Success success
        ? "succeeded with archive " + success.archivePath() + " on node " + fcp.getStatus().getNodeName()
        : "failed (" + ((CheckpointOutcome.Failure) s.outcome()).failure().getReason() + ")";
    String message = "container " + s.container() + ": attempt " + s.attemptID() + " " + result
        + ", but status already names attempt " + s.currentAttemptID() + " (another operator process took over);"
        + " this result is not recorded in status";
    events.warning(fcp, "AttemptSuperseded", message);
    LOG.warn("kubelet result of a superseded attempt fcp={} container={} attemptID={} currentAttemptID={} result=\"{}\"",
        ref(fcp), s.container(), s.attemptID(), s.currentAttemptID(), result);
  }

  /** A collector pod was created on the node that holds the archive. */
  void collectorStarted(ForensicCheckpoint fcp, String container, Pod pod) {
    String ref = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    events.normal(fcp, "EvidenceCollecting", "container " + container + ": collector pod " + ref + " takes the archive"
        + " off node " + pod.getSpec().getNodeName());
    LOG.info("collector pod created fcp={} container={} pod={} node={}", ref(fcp), container, ref,
        pod.getSpec().getNodeName());
  }

  /** A container's checkpoint failed and its fallback bundle is stored: the Event says both. */
  private void fallbackBundleStored(ForensicCheckpoint fcp, ContainerCheckpointStatus c) {
    EvidenceStatus ev = c.getEvidence();
    String failure = c.getFailure() == null ? "failed" : "failed (" + c.getFailure().getReason() + ")";
    events.normal(fcp, "FallbackBundleStored", "container " + c.getName() + ": checkpoint " + failure + ", fallback"
        + " bundle stored instead (pod, container statuses, events, log tails, node info as the API server showed"
        + " them) at " + ev.getLocation() + " (sha256 " + ev.getSha256() + ", " + ev.getSizeBytes() + " bytes"
        + (Boolean.TRUE.equals(ev.getEncrypted()) ? ", encrypted" : "") + "), custody record at "
        + ev.getRecordLocation());
    LOG.info("fallback bundle stored fcp={} container={} location={} sha256={} record={}", ref(fcp), c.getName(),
        ev.getLocation(), ev.getSha256(), ev.getRecordLocation());
  }

  /** A fallback bundle was gathered and its collector pod created. */
  void bundleCollectorStarted(ForensicCheckpoint fcp, String container, Pod pod, int bundleBytes) {
    String ref = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    events.normal(fcp, "FallbackBundleCollecting", "container " + container + ": checkpoint failed; a fallback bundle"
        + " of " + bundleBytes + " bytes was gathered from the API server, collector pod " + ref + " stores it");
    LOG.info("fallback bundle collector created fcp={} container={} pod={} bytes={}", ref(fcp), container, ref,
        bundleBytes);
  }

  /** A collector pod could not be created; status says why. */
  void collectorNotStarted(ForensicCheckpoint fcp, String container, String why) {
    events.warning(fcp, "EvidenceNotStored", "container " + container + ": CollectorNotStarted: " + why);
    LOG.warn("collector pod not created fcp={} container={} message=\"{}\"", ref(fcp), container, why);
  }

  /** A finished object's TTL passed and it was deleted: the log keeps what it recorded. */
  void expired(ForensicCheckpoint fcp) {
    String evidence = fcp.getStatus().getContainers().stream().filter(c -> c.getEvidence() != null)
        .map(c -> c.getName() + "=" + c.getEvidence().getLocation() + " record=" + c.getEvidence().getRecordLocation())
        .collect(Collectors.joining(" "));
    LOG.info("ForensicCheckpoint deleted after its ttlSecondsAfterFinished fcp={} fcpUID={} phase={} evidence=[{}];"
        + " stored evidence stays in the store", ref(fcp), fcp.getMetadata().getUid(), fcp.getStatus().getPhase(),
        evidence);
  }

  /** A collector finished after its ForensicCheckpoint was deleted: only the log can keep its report. */
  void collectorOutlivedItsObject(Pod pod, EvidenceStatus report) {
    var meta = pod.getMetadata();
    String fcp = meta.getAnnotations() == null ? "?" : meta.getAnnotations().get(CollectorPods.ANNOTATION_FCP);
    String container = meta.getAnnotations() == null ? "?" : meta.getAnnotations().get(CollectorPods.ANNOTATION_CONTAINER);
    if (report.getPhase() == EvidencePhase.Stored) {
      LOG.warn("collector finished after its ForensicCheckpoint was deleted fcp={} fcpUID={} container={} pod={}/{}"
          + " location={} sha256={} record={}", fcp, meta.getLabels().get(CollectorPods.LABEL_FCP_UID), container,
          meta.getNamespace(), meta.getName(), report.getLocation(), report.getSha256(), report.getRecordLocation());
    } else {
      LOG.warn("collector finished after its ForensicCheckpoint was deleted fcp={} fcpUID={} container={} pod={}/{}"
          + " result=failed reason={} message=\"{}\"", fcp, meta.getLabels().get(CollectorPods.LABEL_FCP_UID),
          container, meta.getNamespace(), meta.getName(), report.getFailure().getReason(),
          report.getFailure().getMessage());
    }
  }

  /** A finished object's TTL is not honoured (an archive has no other record). */
  void ttlRefused(ForensicCheckpoint fcp, String why) {
    events.warning(fcp, "TTLNotHonoured", why);
    LOG.warn("ttlSecondsAfterFinished not honoured fcp={} why=\"{}\"", ref(fcp), why);
  }

  /** A status write found the object deleted: what this process held for it is dropped. */
  void deletedBeforeWrite(ForensicCheckpoint fcp) {
    LOG.info("ForensicCheckpoint deleted before its status could be written fcp={}", ref(fcp));
  }

  /** Status writes kept being refused (409) however often the object was read again. */
  void conflictsGaveUp(ForensicCheckpoint fcp, int writes) {
    LOG.warn("status write refused {} times in a row (409 Conflict: another writer keeps changing the object)"
        + " fcp={}; permits given back, deciding again after the retry backoff", writes, ref(fcp));
  }

  private void requested(ForensicCheckpoint fcp, CheckpointPlanner.Notice.Requested r) {
    var spec = fcp.getSpec();
    String why = spec.getReason() == null ? "" : "; reason: " + spec.getReason();
    String caseId = spec.getCaseId() == null ? "" : "; case " + spec.getCaseId();
    String waits = r.waiting().isEmpty() ? "" : "; " + r.waiting() + " wait for a free checkpoint slot on node "
        + r.node();
    String by = spec.getRequestedBy() == null || spec.getRequestedBy().getUsername() == null ? "an unknown user"
        : spec.getRequestedBy().getUsername();
    events.normal(fcp, "CheckpointRequested", "checkpoint of pod " + spec.getPodName() + " containers "
        + r.containers() + " on node " + r.node() + " requested by " + by + caseId + why + waits);
    LOG.info("checkpoint requested fcp={} pod={}/{} node={} containers={} requestedBy={} waiting={}", ref(fcp),
        fcp.getMetadata().getNamespace(), spec.getPodName(), r.node(), r.containers(), by, r.waiting());
    transportWarning.ifPresent(warning -> events.warning(fcp, "KubeletNotVerified", warning));
  }

  private void containerFailed(ForensicCheckpoint fcp, ContainerCheckpointStatus c) {
    CheckpointFailure failure = c.getFailure();
    metrics.containerFinished(failure.getReason());
    events.warning(fcp, failure.getReason().name(), "container " + c.getName() + ": " + failure.getMessage());
    LOG.warn("container checkpoint failed fcp={} container={} reason={} httpStatus={} message=\"{}\"", ref(fcp),
        c.getName(), failure.getReason(), failure.getHttpStatus(), failure.getMessage());
  }

  private void finished(ForensicCheckpoint fcp, List<String> checkpointedNow) {
    ForensicCheckpointStatus status = fcp.getStatus();
    String reason = "Checkpoint" + status.getPhase();
    String message = checkpointedNow.isEmpty() ? status.getMessage()
        : String.join("; ", checkpointedNow) + "; " + status.getMessage() + "; archive paths are in status.containers";
    if (status.getPhase() == CheckpointPhase.Succeeded) {
      events.normal(fcp, reason, message);
    } else if (status.getFailure() == null) {
      events.warning(fcp, reason, message);
    }
    LOG.info("checkpoint finished fcp={} phase={} message=\"{}\"", ref(fcp), status.getPhase(), status.getMessage());
    FailureReason firstReason = status.getFailure() != null ? status.getFailure().getReason()
        : status.getContainers().stream().filter(c -> c.getFailure() != null).map(c -> c.getFailure().getReason())
            .findFirst().orElse(null);
    Duration sinceCreation = null;
    try {
      sinceCreation = Duration.between(Instant.parse(fcp.getMetadata().getCreationTimestamp()), clock.instant());
    } catch (RuntimeException noTimestamp) {
      // objects in unit tests may lack it
    }
    metrics.checkpointFinished(status.getPhase(), firstReason, sinceCreation);
  }

  private static String ref(ForensicCheckpoint fcp) {
    return fcp.getMetadata().getNamespace() + "/" + fcp.getMetadata().getName();
  }
}
