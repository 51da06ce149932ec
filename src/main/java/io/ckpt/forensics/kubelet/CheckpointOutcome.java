package io.ckpt.forensics.kubelet;

import io.ckpt.forensics.api.CheckpointFailure;

/** What one checkpoint call ended with: the archive path the kubelet returned, or a failure. */
public sealed interface CheckpointOutcome {

  /** The kubelet wrote an archive; {@code archivePath} is its path on the node, exactly as returned. */
  record Success(String archivePath) implements CheckpointOutcome {
  }

  /** The call failed; the failure carries the reason, the server's words and the HTTP status. */
  record Failure(CheckpointFailure failure) implements CheckpointOutcome {
  }
}
