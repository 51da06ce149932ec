package io.ckpt.forensics.operator;

import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.kubelet.CheckpointTarget;
import io.ckpt.forensics.kubelet.CheckpointTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A transport whose calls the test finishes by hand, or answers at once with a scripted outcome
 * per container. Records every call it was asked to make.
 */
final class ScriptedTransport implements CheckpointTransport {

  final List<CheckpointTarget> calls = new ArrayList<>();
  final Map<String, CompletableFuture<CheckpointOutcome>> pending = new ConcurrentHashMap<>();
  /** Every held call in the order it was made, also those a later call to the same container replaced in {@link #pending}. */
  final List<CompletableFuture<CheckpointOutcome>> held = new ArrayList<>();
  private Function<CheckpointTarget, CheckpointOutcome> answer;

  /** Every call answers at once with what {@code answer} returns for its target. */
  ScriptedTransport answering(Function<CheckpointTarget, CheckpointOutcome> answer) {
    this.answer = answer;
    return this;
  }

  /** Calls stay open until {@link #finish} completes them. */
  ScriptedTransport holding() {
    this.answer = null;
    return this;
  }

  @Override
  public synchronized CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target) {
    calls.add(target);
    if (answer != null) {
      return CompletableFuture.completedFuture(answer.apply(target));
    }
    CompletableFuture<CheckpointOutcome> future = new CompletableFuture<>();
    pending.put(target.pod() + "/" + target.container(), future);
    held.add(future);
    return future;
  }

  /** Completes the open call for pod/container (e.g. "web/app"). */
  void finish(String podAndContainer, CheckpointOutcome outcome) {
    pending.remove(podAndContainer).complete(outcome);
  }

  synchronized int callCount() {
    return calls.size();
  }

  static CheckpointOutcome archiveFor(CheckpointTarget t) {
    return new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/checkpoint-" + t.pod() + "_" + t.namespace()
        + "-" + t.container() + "-2026-11-23T10:00:00Z.tar");
  }
}
