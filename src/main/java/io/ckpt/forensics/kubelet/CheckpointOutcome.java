package io.ckpt.forensics.kubelet;

import io.ckpt.forensics.api.CheckpointFailure;
import java.util.Optional;

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
   * @param gap what in the operator's set-up the failure points at, while its message still lacks
   *     the remedy (see {@link #withRemedy})
   */
  record Failure(CheckpointFailure failure, boolean notSent, int retries, Optional<SetupGap> gap)
      implements CheckpointOutcome {
    public Failure(CheckpointFailure failure) {
      this(failure, false, 0);
    }

    public Failure(CheckpointFailure failure, boolean notSent, int retries) {
      this(failure, notSent, retries, Optional.empty());
    }

    /** A transient failure before anything reached the kubelet. */
    public static Failure notSent(CheckpointFailure failure) {
      return new Failure(failure, true, 0);
    }

    /** A failure caused by a gap in the operator's set-up; its message states the fact, not the fix. */
    public static Failure dueTo(SetupGap gap, CheckpointFailure failure) {
      return new Failure(failure, false, 0, Optional.of(gap));
    }

    /**
     * This failure with {@code remedy} appended to its message (bounded like every message) and
     * its gap dealt with.
     */
    public Failure withRemedy(String remedy) {
      CheckpointFailure f = failure;
      return new Failure(new CheckpointFailure(f.getReason(), KubeletAnswerClassifier.trim(f.getMessage() + remedy),
          f.getHttpStatus()), notSent, retries, Optional.empty());
    }
  }

  /** The same outcome with {@code retries} re-sends recorded. */
  default CheckpointOutcome withRetries(int retries) {
    if (this instanceof Success success) {
      return new Success(success.archivePath(), retries);
    }
    Failure failure = (Failure) this;
    return new Failure(failure.failure(), failure.notSent(), retries, failure.gap());
  }
}
