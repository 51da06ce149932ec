package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.api.IdentityChange;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Decides what to do next with one ForensicCheckpoint, from its status, the pod as read in this
 * pass, what this process knows of the object's kubelet calls, and the clock; it makes no API call
 * and changes nothing. The reconciler gathers those facts, asks, and performs the {@link Plan}:
 * one status write, then the kubelet calls it marked Running, then the notices.
 *
 * <p>Rules that keep evidence safe: a call starts only after a status write that marks it Running
 * (so a restarted operator knows it may have run), on a pod read in the same pass (never on an
 * older read), at most {@link #MAX_ATTEMPTS} times; a terminal object is never acted on. An object
 * whose containers all wait for a permit is not written at all until its first call starts: its
 * pod is read again then, and that read is what the first write records.
 */
final class CheckpointPlanner {

  /** A container is tried at most this often: the first call and one retry after an operator restart. */
  static final int MAX_ATTEMPTS = 2;

  /** Where one container's kubelet call stands in this process. */
  enum Stage {
    /** No permit asked for, or given back. */
    NONE,
    /** Waiting for a permit. */
    WAITING,
    /** The permit is held; the call has not started. */
    GRANTED,
    /** The call is running. */
    IN_FLIGHT,
    /** The call ended; its result is not yet in status. */
    FINISHED
  }

  /**
   * One container's call as this process knows it; outcome, elapsed and the attempt identifier it
   * was sent under only when FINISHED.
   */
  record Call(Stage stage, CheckpointOutcome outcome, Duration elapsed, String attemptID) {
    static final Call NONE = new Call(Stage.NONE, null, null, null);
    static final Call WAITING = new Call(Stage.WAITING, null, null, null);
    static final Call GRANTED = new Call(Stage.GRANTED, null, null, null);
    static final Call IN_FLIGHT = new Call(Stage.IN_FLIGHT, null, null, null);

    static Call finished(CheckpointOutcome outcome, Duration elapsed, String attemptID) {
      return new Call(Stage.FINISHED, outcome, elapsed, attemptID);
    }

    boolean succeeded() {
      return stage == Stage.FINISHED && outcome instanceof CheckpointOutcome.Success;
    }
  }

  /**
   * The pod as this pass read it: {@code read} false if it was not read in this pass; {@code pod}
   * null if it does not exist; {@code deniedCode} 401 or 403 if the operator may not read it.
   */
  record PodRead(boolean read, PodSnapshot pod, int deniedCode) {
    static final PodRead NOT_READ = new PodRead(false, null, 0);

    static PodRead of(PodSnapshot pod) {
      return new PodRead(true, pod, 0);
    }

    static PodRead denied(int code) {
      return new PodRead(true, null, code);
    }
  }

  /**
   * What the planner looks at.
   *
   * @param firstSight the pod as read when this process first saw the object, kept while the object
   *     waits without status; null otherwise
   * @param calls each container's call, by name (missing means {@link Call#NONE})
   */
  record Input(ForensicCheckpoint fcp, PodRead pod, PodSnapshot firstSight, Map<String, Call> calls,
      Map<String, CustodyPlanner.Collector> collectors) {

    /** Without collector pods (none exist, or custody is off). */
    Input(ForensicCheckpoint fcp, PodRead pod, PodSnapshot firstSight, Map<String, Call> calls) {
      this(fcp, pod, firstSight, calls, Map.of());
    }

    Call call(String container) {
      return calls.getOrDefault(container, Call.NONE);
    }
  }

  /**
   * What the reconciler is to do, in this order: write {@code status} (null: no write), then give
   * back {@code unusedPermits}, drop the calls in {@code recorded} (their results are now in
   * status), start the calls in {@code calls}, and announce {@code notices}. {@code remember} is the
   * pod to keep for an object that waits without status; {@code done} says the object is terminal.
   */
  record Plan(ForensicCheckpointStatus status, List<String> calls, List<String> recorded,
      List<String> unusedPermits, List<Notice> notices, PodSnapshot remember, boolean done,
      List<String> collectorsToStart, List<String> collectorsToDelete) {

    Plan(ForensicCheckpointStatus status, List<String> calls, List<String> recorded, List<String> unusedPermits,
        List<Notice> notices, PodSnapshot remember, boolean done) {
      this(status, calls, recorded, unusedPermits, notices, remember, done, List.of(), List.of());
    }
  }

  /** Something a person or a metric should hear about once the plan's status is written. */
  sealed interface Notice {
    /** The object was first seen; {@code waiting} lists the containers that wait for a permit. */
    record Requested(List<String> containers, String node, List<String> waiting) implements Notice {
    }

    /** A container's kubelet call ended after {@code elapsed}. */
    record CallEnded(boolean succeeded, Duration elapsed) implements Notice {
    }

    /** A container was checkpointed; its archive path is in status. */
    record ContainerCheckpointed(String container, long millis) implements Notice {
    }

    /** A container failed; the failure is in its status entry. */
    record ContainerFailed(String container) implements Notice {
    }

    /** The whole object failed before any container was tried. */
    record WholeFailure(FailureReason reason, String message) implements Notice {
    }

    /** The object reached a terminal phase. */
    record Finished() implements Notice {
    }

    /**
     * A call of this process ended, but status names another attempt (another operator process
     * marked the container since): its result is not recorded, only told.
     */
    record Superseded(String container, String attemptID, String currentAttemptID, CheckpointOutcome outcome)
        implements Notice {
    }

    /** A collector pod is asked for, to take a container's archive into custody. */
    record EvidenceCollecting(String container) implements Notice {
    }

    /** A container's archive is stored, read back and verified; evidence in status says where. */
    record EvidenceStored(String container) implements Notice {
    }

    /** A container's archive could not be taken into custody; evidence.failure says why. */
    record EvidenceNotStored(String container) implements Notice {
    }

    /** A container's checkpoint image was pushed; its export status says where. */
    record ExportPushed(String container) implements Notice {
    }

    /** A container's checkpoint image was not exported; export.failure says why (the checkpoint stands). */
    record ExportFailed(String container) implements Notice {
    }

    /** A container was checkpointed, but the pod or container it names changed during the call. */
    record IdentityChanged(String container) implements Notice {
    }
  }

  private final Clock clock;
  private final UnaryOperator<ForensicCheckpointStatus> copy;
  private final Supplier<String> attemptIDs;
  private final CustodyPlanner custody;

  /**
   * @param copy a deep copy of a status (the planner changes only its copy; the object it was given
   *     may be the informer's cached one)
   * @param attemptIDs a new identifier for each call, unique across operator processes
   * @param custody the custody steps after a container succeeded
   */
  CheckpointPlanner(Clock clock, UnaryOperator<ForensicCheckpointStatus> copy, Supplier<String> attemptIDs,
      CustodyPlanner custody) {
    this.clock = clock;
    this.copy = copy;
    this.attemptIDs = attemptIDs;
    this.custody = custody;
  }

  /** Without custody steps (archives stay on the nodes). */
  CheckpointPlanner(Clock clock, UnaryOperator<ForensicCheckpointStatus> copy, Supplier<String> attemptIDs) {
    this(clock, copy, attemptIDs, new CustodyPlanner(CollectionConfig.OFF));
  }

  /**
   * True if nothing is left to do for the object: its checkpoint reached a terminal phase, no
   * archive waits to be taken into custody, and no collector pod is left to delete.
   */
  boolean isDone(ForensicCheckpoint fcp, Map<String, CustodyPlanner.Collector> collectors) {
    return isTerminal(fcp) && !custody.pending(fcp.getStatus()) && collectors.isEmpty();
  }

  static boolean isTerminal(ForensicCheckpoint fcp) {
    return hasStatus(fcp) && fcp.getStatus().getPhase().isTerminal();
  }

  static boolean hasStatus(ForensicCheckpoint fcp) {
    return fcp.getStatus() != null && fcp.getStatus().getPhase() != null;
  }

  /** The object has no status and this process has not read its pod yet: the pod is read first. */
  static boolean isFirstSight(ForensicCheckpoint fcp, PodSnapshot firstSight) {
    return !hasStatus(fcp) && firstSight == null;
  }

  /** The containers this pass is about: those in status, or else those the spec or the pod names. */
  static List<String> containers(ForensicCheckpoint fcp, PodRead pod, PodSnapshot firstSight) {
    if (hasStatus(fcp)) {
      return fcp.getStatus().getContainers().stream().map(ContainerCheckpointStatus::getName).toList();
    }
    PodSnapshot base = firstSight != null ? firstSight : pod.pod();
    return selected(fcp, base);
  }

  /** The node whose permit the object's calls need, or null if not known yet. */
  static String node(ForensicCheckpoint fcp, PodRead pod, PodSnapshot firstSight) {
    if (hasStatus(fcp)) {
      return fcp.getStatus().getNodeName();
    }
    PodSnapshot base = firstSight != null ? firstSight : pod.pod();
    return base == null ? null : base.nodeName();
  }

  /** The containers that should ask for a permit now (asking again for one that waits changes nothing). */
  List<String> permitsToAsk(Input in) {
    ForensicCheckpoint fcp = in.fcp();
    List<String> ask = new ArrayList<>();
    if (!hasStatus(fcp)) {
      PodSnapshot base = in.firstSight() != null ? in.firstSight() : in.pod().pod();
      if (in.firstSight() == null && wholeFailure(fcp, in.pod()) != null) {
        return ask;
      }
      for (String name : selected(fcp, base)) {
        if (base.declares(name) && base.isRunning(name) && in.call(name).stage() == Stage.NONE) {
          ask.add(name);
        }
      }
      return ask;
    }
    if (isTerminal(fcp)) {
      return ask;
    }
    for (ContainerCheckpointStatus entry : fcp.getStatus().getContainers()) {
      if (!entry.getPhase().isTerminal() && in.call(entry.getName()).stage() == Stage.NONE
          && !(entry.getPhase() == ContainerPhase.Running && attempts(entry) >= MAX_ATTEMPTS)) {
        ask.add(entry.getName());
      }
    }
    return ask;
  }

  /**
   * True if the pod must be read before planning: a call is about to start (the pod may have been
   * replaced while the container waited), or a call succeeded (the pod or container may have been
   * replaced during the call, and the archive with it), and this pass has not read it yet.
   */
  static boolean needsFreshPod(Input in) {
    return !in.pod().read() && in.calls().values().stream().anyMatch(c -> c.stage() == Stage.GRANTED
        || c.succeeded());
  }

  Plan plan(Input in) {
    ForensicCheckpoint fcp = in.fcp();
    if (isTerminal(fcp)) {
      if (isDone(fcp, in.collectors())) {
        return new Plan(null, List.of(), List.of(), List.of(), List.of(), null, true);
      }
      return custodyOnly(in);
    }
    List<Notice> notices = new ArrayList<>();
    boolean firstWrite = !hasStatus(fcp);
    ForensicCheckpointStatus status;
    boolean firstSight = false;
    if (firstWrite) {
      firstSight = in.firstSight() == null;
      if (firstSight) {
        CheckpointFailure whole = wholeFailure(fcp, in.pod());
        if (whole != null) {
          return failWhole(fcp, whole);
        }
      }
      PodSnapshot base = firstSight ? in.pod().pod() : in.firstSight();
      status = initialStatus(fcp, base);
    } else {
      status = copy.apply(fcp.getStatus());
    }

    boolean changed = false;
    List<String> calls = new ArrayList<>();
    List<String> recorded = new ArrayList<>();
    List<String> unused = new ArrayList<>();
    List<String> failedNow = new ArrayList<>();
    for (ContainerCheckpointStatus c : status.getContainers()) {
      String name = c.getName();
      Call call = in.call(name);
      if (c.getPhase().isTerminal()) {
        if (firstWrite) {
          failedNow.add(name); // found at first sight: not declared, or not running
        }
        if (call.stage() == Stage.GRANTED || call.stage() == Stage.WAITING) {
          unused.add(name);
        } else if (call.stage() == Stage.FINISHED) {
          recorded.add(name);
          if (!Objects.equals(call.attemptID(), c.getAttemptID())) {
            // status holds another attempt's result: this one is told, never written over it
            notices.add(new Notice.Superseded(name, call.attemptID(), c.getAttemptID(), call.outcome()));
          } // else already in status, written by an earlier pass
        }
        continue;
      }
      switch (call.stage()) {
        case FINISHED -> {
          recorded.add(name);
          if (!Objects.equals(call.attemptID(), c.getAttemptID())) {
            notices.add(new Notice.Superseded(name, call.attemptID(), c.getAttemptID(), call.outcome()));
            break;
          }
          record(c, call, status, in.pod());
          notices.add(new Notice.CallEnded(call.outcome() instanceof CheckpointOutcome.Success, call.elapsed()));
          notices.add(c.getPhase() == ContainerPhase.Succeeded
              ? new Notice.ContainerCheckpointed(name, call.elapsed().toMillis())
              : new Notice.ContainerFailed(name));
          if (c.getIdentityChange() != null) {
            notices.add(new Notice.IdentityChanged(name));
          }
          changed = true;
        }
        case GRANTED -> {
          CheckpointFailure problem = preflight(fcp, status, in.pod().pod(), name);
          if (problem != null) {
            fail(c, problem.getReason(), problem.getMessage(), null);
            notices.add(new Notice.ContainerFailed(name));
            unused.add(name);
          } else {
            String note = c.getPhase() != ContainerPhase.Running ? null : "attempt " + c.getAttempts()
                + " (started " + c.getStartedAt() + ") was interrupted by an operator restart before its result"
                + " was recorded; it may have left an archive on node " + status.getNodeName()
                + " in the kubelet's checkpoint directory";
            markRunning(c, in.pod().pod(), note);
            calls.add(name);
          }
          changed = true;
        }
        case NONE -> {
          if (c.getPhase() == ContainerPhase.Running && attempts(c) >= MAX_ATTEMPTS) {
            int attempts = attempts(c);
            fail(c, FailureReason.Interrupted, "the operator restarted during each of " + attempts + " attempts;"
                + " not tried again. Earlier attempts may have left archives on node " + status.getNodeName()
                + " in the kubelet's checkpoint directory", null);
            notices.add(new Notice.ContainerFailed(name));
            changed = true;
          }
        }
        case WAITING, IN_FLIGHT -> {
          // nothing to decide until the permit comes or the call ends
        }
      }
    }

    List<Notice> first = new ArrayList<>();
    if (firstSight) {
      List<String> waiting = status.getContainers().stream()
          .filter(c -> c.getPhase() == ContainerPhase.Pending).map(ContainerCheckpointStatus::getName).toList();
      first.add(new Notice.Requested(selected(fcp, in.pod().pod()), status.getNodeName(), waiting));
      failedNow.forEach(name -> first.add(new Notice.ContainerFailed(name)));
    }
    if (firstWrite && !changed && failedNow.isEmpty()) {
      // every container waits for a permit: nothing is written until the first call starts, and
      // the pod read now is kept to be compared with the read made then
      return new Plan(null, List.of(), recorded, unused, first, firstSight ? in.pod().pod() : null, false);
    }
    CustodyPlanner.Steps custodySteps = custody.plan(fcp, status, in.collectors());
    changed |= custodySteps.changed();
    changed |= SeriesRounds.advance(fcp, status, custody.pending(status), clock.instant());
    if (!firstWrite && !changed) {
      notices.addAll(custodySteps.notices());
      return new Plan(null, List.of(), recorded, unused, notices, null, false, custodySteps.start(),
          custodySteps.delete());
    }
    CheckpointProgress.summarize(status, fcp.getMetadata().getGeneration(), clock);
    first.addAll(notices);
    boolean terminal = status.getPhase().isTerminal();
    if (terminal) {
      first.add(new Notice.Finished());
    }
    first.addAll(custodySteps.notices());
    return new Plan(status, calls, recorded, unused, first, null, terminal && !custody.pending(status),
        custodySteps.start(), custodySteps.delete());
  }

  /** A checkpoint that ended: only its custody steps are left. */
  private Plan custodyOnly(Input in) {
    ForensicCheckpoint fcp = in.fcp();
    ForensicCheckpointStatus status = copy.apply(fcp.getStatus());
    CustodyPlanner.Steps steps = custody.plan(fcp, status, in.collectors());
    if (!steps.changed()) {
      return new Plan(null, List.of(), List.of(), List.of(), steps.notices(), null, false, steps.start(),
          steps.delete());
    }
    CheckpointProgress.summarize(status, fcp.getMetadata().getGeneration(), clock);
    return new Plan(status, List.of(), List.of(), List.of(), steps.notices(), null, !custody.pending(status),
        steps.start(), steps.delete());
  }

  /** What is wrong with the pod as a whole, read at first sight, or null if its containers can be tried. */
  static CheckpointFailure wholeFailure(ForensicCheckpoint fcp, PodRead read) {
    String podRef = podRef(fcp);
    if (read.deniedCode() != 0) {
      return new CheckpointFailure(FailureReason.Forbidden, "the operator may not read pod " + podRef + " (HTTP "
          + read.deniedCode() + "); its ClusterRole needs get on pods (the Helm chart grants it)", read.deniedCode());
    }
    PodSnapshot pod = read.pod();
    if (pod == null) {
      return new CheckpointFailure(FailureReason.PodNotFound, "pod " + podRef + " does not exist; spec.podName"
          + " must name a pod in the ForensicCheckpoint's own namespace", null);
    }
    if (pod.nodeName() == null || pod.nodeName().isBlank()) {
      return new CheckpointFailure(FailureReason.PodNotScheduled, "pod " + podRef + " is not scheduled to a node"
          + " yet; there is no running container to checkpoint", null);
    }
    if (!"Running".equals(pod.phase())) {
      return new CheckpointFailure(FailureReason.PodNotRunning, "pod " + podRef + " is in phase " + pod.phase()
          + ", not Running; only running containers can be checkpointed", null);
    }
    if (selected(fcp, pod).isEmpty()) {
      return new CheckpointFailure(FailureReason.ContainerNotRunning, "no container of pod " + podRef
          + " is running", null);
    }
    return null;
  }

  private Plan failWhole(ForensicCheckpoint fcp, CheckpointFailure failure) {
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setStartTime(Conditions.rfc3339(clock));
    status.setFailure(failure);
    List<String> asked = fcp.getSpec().getContainers() == null ? List.of() : fcp.getSpec().getContainers();
    for (String name : asked) {
      ContainerCheckpointStatus entry = new ContainerCheckpointStatus(name);
      entry.setAttempts(0);
      fail(entry, failure.getReason(), failure.getMessage(), failure.getHttpStatus());
      status.getContainers().add(entry);
    }
    CheckpointProgress.summarize(status, fcp.getMetadata().getGeneration(), clock);
    return new Plan(status, List.of(), List.of(), asked, List.of(new Notice.WholeFailure(failure.getReason(),
        failure.getMessage()), new Notice.Finished()), null, true);
  }

  /** The first status: the pod's node and UID, and one entry per container asked for. */
  private ForensicCheckpointStatus initialStatus(ForensicCheckpoint fcp, PodSnapshot pod) {
    String podRef = podRef(fcp);
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setStartTime(Conditions.rfc3339(clock));
    status.setNodeName(pod.nodeName());
    status.setPodUID(pod.uid());
    for (String name : selected(fcp, pod)) {
      ContainerCheckpointStatus entry = new ContainerCheckpointStatus(name);
      entry.setAttempts(0);
      entry.setPhase(ContainerPhase.Pending);
      describe(entry, pod);
      if (!pod.declares(name)) {
        fail(entry, FailureReason.ContainerNotFound, "pod " + podRef + " has no container named " + name
            + "; its containers are " + pod.declaredContainers(), null);
      } else if (!pod.isRunning(name)) {
        fail(entry, FailureReason.ContainerNotRunning, "container " + name + " of pod " + podRef
            + " is not running", null);
      }
      status.getContainers().add(entry);
    }
    SeriesRounds.begin(fcp, status);
    return status;
  }

  /** Checks made on the pod read just before a call: it may have changed while the container waited. */
  private static CheckpointFailure preflight(ForensicCheckpoint fcp, ForensicCheckpointStatus status, PodSnapshot pod,
      String container) {
    String podRef = podRef(fcp);
    if (pod == null) {
      return new CheckpointFailure(FailureReason.PodNotFound, "pod " + podRef + " was deleted before container "
          + container + " could be checkpointed", null);
    }
    if (!Objects.equals(pod.uid(), status.getPodUID()) || !Objects.equals(pod.nodeName(), status.getNodeName())) {
      return new CheckpointFailure(FailureReason.PodReplaced, "pod " + podRef + " was replaced (UID "
          + status.getPodUID() + " -> " + pod.uid() + ", node " + status.getNodeName() + " -> " + pod.nodeName()
          + "); the container that was asked for is gone", null);
    }
    if (!pod.isRunning(container)) {
      return new CheckpointFailure(FailureReason.ContainerNotRunning, "container " + container + " of pod "
          + podRef + " stopped before it could be checkpointed", null);
    }
    return null;
  }

  /** The status change written before every kubelet call: one more attempt, now Running. */
  private void markRunning(ContainerCheckpointStatus c, PodSnapshot pod, String note) {
    if (note != null) {
      c.setNote(note);
    }
    c.setPhase(ContainerPhase.Running);
    c.setRetries(null);
    c.setAttempts(attempts(c) + 1);
    c.setAttemptID(attemptIDs.get());
    c.setIdentityChange(null);
    c.setStartedAt(Conditions.rfc3339(clock));
    describe(c, pod);
  }

  /** A finished call's result, as status keeps it; {@code pod} was read after the call ended. */
  private void record(ContainerCheckpointStatus c, Call call, ForensicCheckpointStatus status, PodRead pod) {
    CheckpointOutcome outcome = call.outcome();
    if (outcome.retries() > 0) {
      c.setRetries(outcome.retries());
      String retried = "sent " + (outcome.retries() + 1) + " times: " + outcome.retries() + " automatic"
          + " retr" + (outcome.retries() == 1 ? "y" : "ies") + " after transient failures that never reached the"
          + " kubelet (connection refused, or the API server could not dial it)";
      c.setNote(c.getNote() == null ? retried : c.getNote() + "; " + retried);
    }
    if (outcome instanceof CheckpointOutcome.Success success) {
      c.setPhase(ContainerPhase.Succeeded);
      c.setArchivePath(success.archivePath());
      c.setCheckpointedAt(Conditions.rfc3339(clock));
      c.setDurationMillis(call.elapsed().toMillis());
      c.setFailure(null);
      c.setIdentityChange(identityChange(c, status, pod));
    } else if (outcome instanceof CheckpointOutcome.Failure failure) {
      c.setPhase(ContainerPhase.Failed);
      c.setFailure(failure.failure());
    }
  }

  /**
   * What differs between the identity recorded before a successful call and the pod read after it,
   * or null if nothing does. The kubelet looks the container up by pod and container name, so a pod
   * recreated under the same name (a StatefulSet) or a container restarted during the call may be
   * what was checkpointed.
   */
  private static IdentityChange identityChange(ContainerCheckpointStatus c, ForensicCheckpointStatus status,
      PodRead read) {
    String before = "pod UID " + status.getPodUID() + ", container ID " + c.getContainerID();
    if (!read.read()) {
      return null; // not reached: the reconciler reads the pod before recording a success
    }
    if (read.deniedCode() != 0) {
      return new IdentityChange(null, null, "the pod could not be read again after the call (HTTP "
          + read.deniedCode() + "): the archive's identity (" + before + ") is not confirmed");
    }
    PodSnapshot pod = read.pod();
    if (pod == null) {
      return new IdentityChange(null, null, "the pod was deleted by the time the call ended: the archive's identity ("
          + before + ") is not confirmed");
    }
    PodSnapshot.ContainerState now = pod.statuses().get(c.getName());
    String containerNow = now == null ? null : now.containerID();
    boolean podChanged = !Objects.equals(pod.uid(), status.getPodUID());
    boolean containerChanged = !Objects.equals(containerNow, c.getContainerID());
    if (!podChanged && !containerChanged) {
      return null;
    }
    String what = podChanged ? "the pod was replaced during the call (UID " + status.getPodUID() + " -> " + pod.uid()
        + ")" : "the container's ID changed during the call (" + c.getContainerID() + " -> " + containerNow + ")";
    return new IdentityChange(pod.uid(), containerNow, what + ": the kubelet finds containers by pod and container"
        + " name, so the archive may be of the replacement rather than of " + before);
  }

  private static List<String> selected(ForensicCheckpoint fcp, PodSnapshot pod) {
    if (fcp.getSpec().getContainers() != null) {
      return fcp.getSpec().getContainers();
    }
    return pod == null ? List.of() : pod.runningContainers();
  }

  private static int attempts(ContainerCheckpointStatus c) {
    return Objects.requireNonNullElse(c.getAttempts(), 0);
  }

  private static void describe(ContainerCheckpointStatus entry, PodSnapshot pod) {
    PodSnapshot.ContainerState state = pod.statuses().get(entry.getName());
    if (state != null) {
      entry.setContainerID(state.containerID());
      entry.setImage(state.image());
      entry.setImageID(state.imageID());
    }
  }

  private static void fail(ContainerCheckpointStatus entry, FailureReason reason, String message, Integer status) {
    entry.setPhase(ContainerPhase.Failed);
    entry.setFailure(new CheckpointFailure(reason, message, status));
  }

  private static String podRef(ForensicCheckpoint fcp) {
    return fcp.getMetadata().getNamespace() + "/" + fcp.getSpec().getPodName();
  }
}
