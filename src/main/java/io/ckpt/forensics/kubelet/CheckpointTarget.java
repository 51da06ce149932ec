package io.ckpt.forensics.kubelet;

/**
 * One container to checkpoint on one node, with the timeout the kubelet is asked to honour.
 *
 * @param timeoutSeconds passed as the kubelet's {@code timeout} query parameter
 */
public record CheckpointTarget(String node, String namespace, String pod, String container, int timeoutSeconds) {

  /** How long the kubelet may really take: it never waits less than its runtimeRequestTimeout (2 min). */
  public long kubeletDeadlineSeconds() {
    return Math.max(timeoutSeconds, KUBELET_RUNTIME_REQUEST_TIMEOUT_SECONDS);
  }

  /** How long a transport waits for the kubelet's answer: its deadline plus time for the answer to travel. */
  public long answerWaitSeconds() {
    return kubeletDeadlineSeconds() + ANSWER_GRACE_SECONDS;
  }

  /** The kubelet's default runtimeRequestTimeout; smaller timeout values are replaced by it. */
  public static final long KUBELET_RUNTIME_REQUEST_TIMEOUT_SECONDS = 120;

  /** Time beyond the kubelet's own deadline before a transport stops waiting for an answer. */
  public static final long ANSWER_GRACE_SECONDS = 30;

  @Override
  public String toString() {
    return namespace + "/" + pod + "/" + container + " on node " + node;
  }
}
