package io.ckpt.forensics.kubelet;

import io.ckpt.forensics.api.CheckpointFailure;

/**
 * What one checkpoint call ended with: the archive path the kubelet returned, or a failure. Both
 * say how often the call was re-sent after transient failures that never reached the kubelet.
 */
public sealed interface CheckpointOutcome {

  /** Re-sends after transient failures (see {@link RetryingTransport}); 0 when the first try counted. */
  int retries();

  /** The kubelet wrote an archive; {@code archivePath} is its path on the node, exactly as returned. */
  record Success(String archivePath, int retries) implements CheckpointOutcome {
    public Success(String archivePath) {
      this(archivePath, 0);
    }
  }

  /**
   * The call failed; the failure carries the reason, the server's words and the HTTP status.
   *
   * @param notSent true only when the request certainly never reached the kubelet and the cause may
   *     pass (a refused connection, the API server unable to dial the kubelet): safe to send again
   */
  record Failure(CheckpointFailure failure, boolean notSent, int retries) implements CheckpointOutcome {
    public Failure(CheckpointFailure failure) {
      this(failure, false, 0);
    }

    /** A transient failure before anything reached the kubelet. */
    public static Failure notSent(CheckpointFailure failure) {
      return new Failure(failure, true, 0);
    }
  }

  /** The same outcome with {@code retries} re-sends recorded. */
  default CheckpointOutcome withRetries(int retries) {
    if (this instanceof Success success) {
      return new Success(success.archivePath(), retries);
    }
    Failure failure = (Failure) this;
    return new Failure(failure.failure(), failure.notSent(), retries);
  }
}
