package io.ckpt.forensics.api;

/**
 * The closed set of reasons a checkpoint can fail for; docs/status-and-reasons.md documents which
 * kubelet or API server answer leads to each.
 */
public enum FailureReason {
  /** The pod named in spec.podName does not exist in the object's namespace. */
  PodNotFound,
  /** The pod exists but is not bound to a node yet. */
  PodNotScheduled,
  /** The pod is not in phase Running (Pending, Succeeded, Failed, Unknown). */
  PodNotRunning,
  /** The pod was deleted and recreated under the same name while the checkpoint was under way. */
  PodReplaced,
  /** The container is not part of the pod (operator check, or the kubelet's "container X does not exist"). */
  ContainerNotFound,
  /** The container exists but is not running (operator check, or the kubelet's "container X not found"). */
  ContainerNotRunning,
  /** The kubelet has no /checkpoint endpoint: feature gate ContainerCheckpoint off or debugging handlers disabled. */
  CheckpointingDisabled,
  /** The container runtime does not implement CheckpointContainer (containerd before 2.0, for example). */
  RuntimeUnsupported,
  /** The runtime tried and CRIU failed, or CRIU is missing on the node. */
  CRIUFailed,
  /** The kubelet, the runtime or the operator's own wait ran out of time. */
  Timeout,
  /** An identity lacks a permission: the operator (nodes/proxy) or the API server's kubelet client (nodes/checkpoint). */
  Forbidden,
  /** The node's kubelet could not be reached (connection refused or reset, 502, 503, TLS failure). */
  NodeUnreachable,
  /** The operator restarted twice while this container's checkpoint was in flight; nothing more is tried. */
  Interrupted,
  /** Any other kubelet or API server answer; failure.message holds its text. */
  KubeletError
}
