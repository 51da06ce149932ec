package io.ckpt.forensics.kubelet;

import java.util.concurrent.CompletableFuture;

/**
 * Asks a node's kubelet to checkpoint one container. Implementations never retry a call that
 * reached the kubelet (a repeated checkpoint freezes the container again) and never block the
 * caller's thread.
 */
public interface CheckpointTransport {

  /** Starts the call; the future completes with the outcome and never exceptionally. */
  CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target);
}
