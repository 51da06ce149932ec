package io.ckpt.forensics.kubelet;

import java.time.Duration;

/**
 * How often, and after how long, a call that failed before reaching the kubelet is sent again:
 * {@code initialBackoff} doubled per retry, capped at {@code maxBackoff}, at most {@code maxRetries}
 * times. {@code maxRetries} 0 switches retries off.
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff) {

  public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

  public RetryPolicy {
    if (maxRetries < 0 || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("bad retry policy " + maxRetries + "/" + initialBackoff + "/" + maxBackoff);
    }
  }

  /** The wait before retry number {@code retry} (1-based). */
  public Duration backoff(int retry) {
    Duration wait = initialBackoff;
    for (int i = 1; i < retry && wait.compareTo(maxBackoff) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
  }
}
