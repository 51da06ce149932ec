package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreSpec;
import io.ckpt.forensics.api.CheckpointRestoreStatus;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.ExportStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.RestorePhase;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Decides what to do for one CheckpointRestore from what the reconciler read (issue 16 section 2): refuse
 * early with a reason that says what to fix (checkpoint missing or not succeeded for the container, no
 * image: spec.image, else the container's export.reference; node missing, or its runtime unable or not
 * enabled to restore), wait while the checkpoint or its export is still being made, create the sandbox, or
 * follow the sandbox pod's state into status. Pure: no API calls, no clock; the reconciler gathers, acts
 * and records.
 */
final class RestorePlanner {

  // reasons of the Ready and Failed conditions; docs/status-and-reasons.md lists them
  static final String WAITING_FOR_CHECKPOINT = "WaitingForCheckpoint";
  static final String SANDBOX_CREATING = "SandboxCreating";
  static final String SANDBOX_RUNNING = "SandboxRunning";
  static final String CHECKPOINT_NOT_FOUND = "CheckpointNotFound";
  static final String CONTAINER_NOT_CHOSEN = "ContainerNotChosen";
  static final String CONTAINER_NOT_IN_CHECKPOINT = "ContainerNotInCheckpoint";
  static final String CHECKPOINT_NOT_SUCCEEDED = "CheckpointNotSucceeded";
  static final String IMAGE_UNKNOWN = "ImageUnknown";
  static final String NODE_NOT_FOUND = "NodeNotFound";
  static final String NAME_TAKEN = "NameTaken";
  static final String SANDBOX_REFUSED = "SandboxPodRefused";
  static final String SANDBOX_FAILED = "SandboxPodFailed";
  static final String SANDBOX_DELETED = "SandboxPodDeleted";

  /** How soon to look again while the checkpoint is being taken, while the pod starts, and while it runs. */
  static final Duration WAIT_CHECKPOINT = Duration.ofSeconds(5);
  static final Duration WAIT_STARTING = Duration.ofSeconds(2);
  static final Duration WAIT_RUNNING = Duration.ofSeconds(30);
  /**
   * How long after the checkpoint ended a restore without spec.image waits for the image its spec.export
   * asked for; past that it fails rather than wait for an export that may never come.
   */
  static final Duration EXPORT_WAIT = Duration.ofMinutes(15);

  /** Waiting reasons of a container that will not start without someone changing something. */
  static final Set<String> STUCK = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
      "CreateContainerError", "CreateContainerConfigError", "RunContainerError", "CrashLoopBackOff",
      "ErrImageNeverPull");

  private static final Pattern DIGEST_REFERENCE = Pattern.compile(CheckpointRestoreSpec.DIGEST_REFERENCE_PATTERN);

  /**
   * What the reconciler read for one restore; any of the objects may be null (absent, or not read).
   *
   * @param now the reconciler's clock; null: no deadline applies (tests of other decisions)
   */
  record Facts(CheckpointRestore restore, ForensicCheckpoint checkpoint, Node node, Pod sandbox, Pod original,
      RestoreConfig config, Instant now) {

    Facts(CheckpointRestore restore, ForensicCheckpoint checkpoint, Node node, Pod sandbox, Pod original,
        RestoreConfig config) {
      this(restore, checkpoint, node, sandbox, original, config, null);
    }
  }

  /** What to do. */
  sealed interface Decision {
    /** Nothing to write; look again after {@code lookAgain} (null: only when something changes). */
    record Nothing(Duration lookAgain) implements Decision {
    }

    /**
     * Write this phase, reason and message into status; look again after {@code lookAgain} (null: never).
     * {@code runtime}, when known, is what the node reported, for status.runtime.
     */
    record Record(RestorePhase phase, String reason, String message, Duration lookAgain, String runtime)
        implements Decision {

      Record(RestorePhase phase, String reason, String message, Duration lookAgain) {
        this(phase, reason, message, lookAgain, null);
      }
    }

    /** Create the sandbox (ServiceAccount, NetworkPolicy, pod) as planned, then record Creating. */
    record Create(SandboxPod.Plan plan, String runtime) implements Decision {
    }
  }

  private RestorePlanner() {
  }

  static Decision decide(Facts f) {
    CheckpointRestoreStatus status = f.restore().getStatus();
    RestorePhase phase = status == null ? null : status.getPhase();
    if (phase != null && phase.isTerminal()) {
      return new Decision.Nothing(null);
    }
    if (f.sandbox() != null) {
      if (!SandboxPod.ownedBy(f.sandbox(), f.restore())) {
        return fail(NAME_TAKEN, "a pod " + f.sandbox().getMetadata().getName() + " exists in this namespace that"
            + " this CheckpointRestore did not create; delete or rename it, or create the restore under another"
            + " name");
      }
      return follow(f.sandbox(), phase);
    }
    if (status != null && status.getPodName() != null) {
      return fail(SANDBOX_DELETED, "the sandbox pod " + status.getPodName() + " was deleted; create a new"
          + " CheckpointRestore to restore again");
    }
    return beforeCreating(f);
  }

  private static Decision beforeCreating(Facts f) {
    CheckpointRestoreSpec spec = f.restore().getSpec();
    String checkpointName = spec.getCheckpointName();
    ForensicCheckpoint checkpoint = f.checkpoint();
    if (checkpoint == null) {
      return fail(CHECKPOINT_NOT_FOUND, "ForensicCheckpoint " + checkpointName + " does not exist in namespace "
          + f.restore().getMetadata().getNamespace() + "; spec.checkpointName must name one in the"
          + " CheckpointRestore's own namespace");
    }
    var checkpointStatus = checkpoint.getStatus();
    List<ContainerCheckpointStatus> containers = checkpointStatus == null ? List.of() : checkpointStatus.getContainers();
    boolean checkpointDone = checkpointStatus != null && checkpointStatus.getPhase() != null
        && checkpointStatus.getPhase().isTerminal();
    ContainerCheckpointStatus container;
    if (spec.getContainer() == null) {
      if (containers.size() != 1) {
        if (!checkpointDone && containers.isEmpty()) {
          return waitFor("waiting for ForensicCheckpoint " + checkpointName + " to start");
        }
        return fail(CONTAINER_NOT_CHOSEN, "ForensicCheckpoint " + checkpointName + " holds " + containers.size()
            + " containers (" + names(containers) + "); set spec.container to the one to restore (in a new"
            + " CheckpointRestore: the spec cannot change)");
      }
      container = containers.get(0);
    } else {
      container = containers.stream().filter(c -> spec.getContainer().equals(c.getName())).findFirst().orElse(null);
      if (container == null) {
        if (!checkpointDone && containers.isEmpty()) {
          return waitFor("waiting for ForensicCheckpoint " + checkpointName + " to start");
        }
        return fail(CONTAINER_NOT_IN_CHECKPOINT, "ForensicCheckpoint " + checkpointName + " has no container "
            + spec.getContainer() + " (it holds " + names(containers) + ")");
      }
    }
    if (container.getPhase() != ContainerPhase.Succeeded) {
      if (!checkpointDone) {
        return waitFor("waiting for ForensicCheckpoint " + checkpointName + " to checkpoint container "
            + container.getName() + " (now " + (container.getPhase() == null ? "Pending" : container.getPhase()) + ")");
      }
      return fail(CHECKPOINT_NOT_SUCCEEDED, "the checkpoint of container " + container.getName() + " in "
          + checkpointName + " did not succeed (" + container.getPhase()
          + (container.getFailure() != null && container.getFailure().getReason() != null
              ? ": " + container.getFailure().getReason() : "") + "); only a succeeded checkpoint can be restored");
    }
    String image = spec.getImage();
    if (image == null) {
      ExportStatus export = container.getExport();
      boolean exportAsked = checkpoint.getSpec() != null && checkpoint.getSpec().getExport() != null;
      if (export != null && export.getFailure() != null) {
        return fail(IMAGE_UNKNOWN, "the checkpoint image of container " + container.getName() + " was not exported ("
            + export.getFailure().getReason() + ": " + oneLine(String.valueOf(export.getFailure().getMessage()))
            + "); create a CheckpointRestore with spec.image (repository@sha256:...)");
      }
      if (export == null || export.getReference() == null) {
        if (exportAsked && !exportOverdue(checkpointStatus.getCompletionTime(), f.now())) {
          return waitFor("waiting for the checkpoint image of container " + container.getName() + " of "
              + checkpointName + " (spec.export)");
        }
        if (exportAsked) {
          return fail(IMAGE_UNKNOWN, "ForensicCheckpoint " + checkpointName + " asked for a checkpoint image"
              + " (spec.export) but none was reported for container " + container.getName() + " within "
              + EXPORT_WAIT.toMinutes() + " minutes of the checkpoint's end (is export enabled in the operator?"
              + " docs/export.md); create a CheckpointRestore with spec.image (repository@sha256:...)");
        }
        return fail(IMAGE_UNKNOWN, "no checkpoint image for container " + container.getName() + " of "
            + checkpointName + ": it was not exported (its spec.export is unset); create a CheckpointRestore with"
            + " spec.image (repository@sha256:...), or checkpoint again with spec.export (docs/restore.md#the-image)");
      }
      image = export.getReference();
    }
    if (!DIGEST_REFERENCE.matcher(image).matches()) {
      return fail(IMAGE_UNKNOWN, "the checkpoint image '" + oneLine(image) + "' of container " + container.getName()
          + " is not a reference by digest (repository@sha256:<64 hex>); create a CheckpointRestore with spec.image");
    }
    Node node = f.node();
    if (node == null) {
      return fail(NODE_NOT_FOUND, "node " + spec.getNodeName() + " does not exist; spec.nodeName must name a Node"
          + " whose container runtime can restore (docs/restore.md#nodes)");
    }
    String runtimeVersion = node.getStatus() == null || node.getStatus().getNodeInfo() == null ? null
        : node.getStatus().getNodeInfo().getContainerRuntimeVersion();
    RestoreCapability.Verdict verdict = RestoreCapability.of(spec.getNodeName(), runtimeVersion, f.config());
    if (!verdict.allowed()) {
      return new Decision.Record(RestorePhase.Failed, verdict.reason(), verdict.message(), null, verdict.runtime());
    }
    Long[] user = originalUser(f.original(), checkpointStatus.getPodUID(), container.getName());
    return new Decision.Create(new SandboxPod.Plan(checkpointName, container.getName(),
        checkpoint.getSpec() == null ? null : checkpoint.getSpec().getPodName(), image, spec.getNodeName(),
        spec.getRuntimeClassName(), user[0], user[1]), verdict.runtime());
  }

  /** True once the export has had {@link #EXPORT_WAIT} since the checkpoint ended without reporting. */
  static boolean exportOverdue(String completionTime, Instant now) {
    if (completionTime == null || now == null) {
      return false;
    }
    try {
      return now.isAfter(Instant.parse(completionTime).plus(EXPORT_WAIT));
    } catch (java.time.format.DateTimeParseException e) {
      return false;
    }
  }

  /**
   * The original container's runAsUser and runAsGroup (container over pod level) when it declared a non-zero
   * user and the pod read is the one checkpointed (same UID); else {null, null}.
   */
  static Long[] originalUser(Pod original, String podUID, String containerName) {
    if (original == null || podUID == null || !podUID.equals(original.getMetadata().getUid())
        || original.getSpec() == null) {
      return new Long[] {null, null};
    }
    PodSecurityContext podContext = original.getSpec().getSecurityContext();
    SecurityContext containerContext = original.getSpec().getContainers().stream()
        .filter(c -> containerName.equals(c.getName())).findFirst().map(Container::getSecurityContext).orElse(null);
    Long user = containerContext != null && containerContext.getRunAsUser() != null ? containerContext.getRunAsUser()
        : podContext != null ? podContext.getRunAsUser() : null;
    Long group = containerContext != null && containerContext.getRunAsGroup() != null
        ? containerContext.getRunAsGroup() : podContext != null ? podContext.getRunAsGroup() : null;
    return user != null && user > 0 ? new Long[] {user, group} : new Long[] {null, null};
  }

  /** The sandbox pod's state, as status says it. */
  private static Decision follow(Pod pod, RestorePhase current) {
    String name = pod.getMetadata().getName();
    String podPhase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    List<ContainerStatus> statuses = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        ? List.of() : pod.getStatus().getContainerStatuses();
    for (ContainerStatus cs : statuses) {
      var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
      if (waiting != null && STUCK.contains(waiting.getReason())) {
        return fail(SANDBOX_FAILED, "the sandbox pod " + name + " cannot start container " + cs.getName() + ": "
            + waiting.getReason() + (waiting.getMessage() == null ? "" : ": " + oneLine(waiting.getMessage()))
            + ". If the runtime could not restore, check that restore is enabled on the node"
            + " (docs/restore.md#nodes)");
      }
    }
    if ("Failed".equals(podPhase) || "Succeeded".equals(podPhase)) {
      String ended = statuses.stream().filter(cs -> cs.getState() != null && cs.getState().getTerminated() != null)
          .map(cs -> cs.getName() + " exited with code " + cs.getState().getTerminated().getExitCode()
              + (cs.getState().getTerminated().getReason() == null ? "" : " (" + cs.getState().getTerminated()
                  .getReason() + ")"))
          .collect(Collectors.joining(", "));
      String podReason = pod.getStatus().getReason() == null ? "" : " " + pod.getStatus().getReason()
          + (pod.getStatus().getMessage() == null ? "" : ": " + oneLine(pod.getStatus().getMessage()));
      return fail(SANDBOX_FAILED, "the sandbox pod " + name + " ended " + podPhase
          + (ended.isEmpty() ? "" : ": " + ended) + podReason + "; the pod is kept for its logs and status");
    }
    boolean running = "Running".equals(podPhase) && !statuses.isEmpty() && statuses.stream()
        .allMatch(cs -> cs.getState() != null && cs.getState().getRunning() != null);
    if (running) {
      return current == RestorePhase.Running ? new Decision.Nothing(WAIT_RUNNING)
          : new Decision.Record(RestorePhase.Running, SANDBOX_RUNNING, "restored container running in sandbox pod "
              + name + " on node " + pod.getSpec().getNodeName(), WAIT_RUNNING);
    }
    return current == RestorePhase.Creating ? new Decision.Nothing(WAIT_STARTING)
        : new Decision.Record(RestorePhase.Creating, SANDBOX_CREATING, "sandbox pod " + name + " created on node "
            + pod.getSpec().getNodeName() + ", waiting for it to run", WAIT_STARTING);
  }

  private static Decision fail(String reason, String message) {
    return new Decision.Record(RestorePhase.Failed, reason, message, null);
  }

  private static Decision waitFor(String message) {
    return new Decision.Record(RestorePhase.Pending, WAITING_FOR_CHECKPOINT, message, WAIT_CHECKPOINT);
  }

  private static String names(List<ContainerCheckpointStatus> containers) {
    return containers.isEmpty() ? "none" : containers.stream().map(ContainerCheckpointStatus::getName)
        .collect(Collectors.joining(", "));
  }

  /** A kubelet's or runtime's text, in one line and bounded: it comes from the node. */
  private static String oneLine(String text) {
    String flat = text.replaceAll("[\\p{Cntrl}\\u202a-\\u202e\\u2066-\\u2069]", " ").strip();
    return flat.length() > 512 ? flat.substring(0, 512) + "..." : flat;
  }
}
