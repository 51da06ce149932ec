package io.ckpt.forensics.api;

/** Which containers of the alerting pod a policy checkpoints. */
public enum AlertContainers {
  /** Only the container the alert names (Falco's container.id, or the container field or label). */
  Alerting,
  /** Every running container of the pod. */
  All
}
