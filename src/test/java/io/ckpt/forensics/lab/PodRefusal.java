package io.ckpt.forensics.lab;

/**
 * Why the lab will not run a pod bound to one of its nodes: {@code reason} becomes the pod's
 * status.reason (phase Failed), {@code message} says what is wrong and what to change.
 */
final class PodRefusal extends Exception {

  private static final long serialVersionUID = 1L;

  private final String reason;

  PodRefusal(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  String reason() {
    return reason;
  }
}
