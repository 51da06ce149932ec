package io.ckpt.forensics.kubelet;

/**
 * An HTTP answer to a checkpoint call, as received: from the kubelet (relayed unchanged by the API
 * server's node proxy) or from the API server itself.
 *
 * @param body at most {@link #MAX_BODY_BYTES} of the body, decoded as UTF-8
 */
public record KubeletAnswer(int status, String contentType, String body) {

  /** Every legitimate answer is far smaller; a larger one is cut here so memory stays bounded. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
}
