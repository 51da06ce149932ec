package io.ckpt.forensics.kubelet;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Asks a node's kubelet to checkpoint one container. Implementations never retry a call that
 * reached the kubelet (a repeated checkpoint freezes the container again) and never block the
 * caller's thread.
 */
public interface CheckpointTransport extends AutoCloseable {

  /** Starts the call; the future completes with the outcome and never exceptionally. */
  CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target);

  /**
   * A warning that every checkpoint taken through this transport carries, for example that kubelet
   * certificates are not verified; empty when there is none.
   */
  default Optional<String> warning() {
    return Optional.empty();
  }

  /** Releases connections and threads. */
  default void close() {
  }
}
