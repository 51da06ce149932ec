package io.ckpt.forensics.kubelet;

import java.time.Duration;

/**
 * An HTTP answer to a checkpoint call, as received: from the kubelet (relayed unchanged by the API
 * server's node proxy) or from the API server itself.
 *
 * @param body at most {@link #MAX_BODY_BYTES} of the body, decoded as UTF-8
 * @param ending whether the body was read to its end, and if not why reading stopped
 * @param bytesRead body bytes that arrived before reading stopped (more than {@code body} holds
 *     when the answer was over the limit)
 * @param error what broke the connection, for {@link Ending#BROKEN}; null otherwise
 */
public record KubeletAnswer(int status, String contentType, String body, Ending ending, long bytesRead,
    String error) {

  /** Every legitimate answer is far smaller; reading stops here so memory stays bounded. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  /**
   * How long a body may take once the status line has arrived. The kubelet computes its answer
   * before it writes the status line, and a real body (one path, or one line of error text, well
   * under a kilobyte) follows in the same write, so it arrives within a round trip. Ten seconds
   * covers a loaded API server, a long GC pause and TCP retransmissions several times over, and
   * stops a peer that drips its body within seconds instead of after the answer wait of minutes.
   */
  public static final Duration BODY_DEADLINE = Duration.ofSeconds(10);

  /** How reading the body ended. */
  public enum Ending {
    /** The whole body arrived. */
    COMPLETE,
    /** The body was longer than {@link #MAX_BODY_BYTES}; reading stopped there. */
    OVER_LIMIT,
    /** The body did not finish within {@link #BODY_DEADLINE}; reading stopped then. */
    TOO_SLOW,
    /** The connection broke (reset, closed) before the body was complete. */
    BROKEN
  }

  /** A completely read answer. */
  public KubeletAnswer(int status, String contentType, String body) {
    this(status, contentType, body, Ending.COMPLETE, body == null ? 0 : body.length(), null);
  }
}
