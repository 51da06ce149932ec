package io.ckpt.forensics.lab;

/**
 * What a simulated kubelet does with a checkpoint request that passed authentication, authorization
 * and the pod/container/timeout checks, i.e. at the moment the real kubelet calls the container runtime.
 * Texts: ../shared/research/kubelet-responses.md (section numbers in brackets).
 */
public enum KubeletFault {
  /** 500, CRI-O CRIU dump failure [K13 + C8 + 5a]: {@code ... failed (rpc error: code = Unknown desc = failed to checkpoint container <id>: running "/usr/bin/runc" [...] failed: ... criu failed ... dump.log ...)}. */
  CRIU_FAILURE,
  /** 500, containerd 2.x CRIU dump failure in the runc shim [K13 + D8]. */
  CRIU_FAILURE_CONTAINERD,
  /** 500, containerd 1.6/1.7 [K14]: {@code rpc error: code = Unimplemented desc = method CheckpointContainer not implemented}. */
  RUNTIME_UNSUPPORTED,
  /** 500, the CRI deadline passed [K16] (answered after the node's latency). */
  DEADLINE_EXCEEDED,
  /** 500, CRI-O cannot write the archive at the kubelet's location [K13 + C9]: disk full. */
  DISK_FULL,
  /** No answer at all until the client gives up and closes the connection (a CRIU dump that never ends). */
  HANG,
  /** Status line, headers and half of a 200 body, then a TCP reset. */
  RESET_MID_RESPONSE,
  /** The connection is reset after the request was read, before any answer (kubelet crash mid-call) [A13]. */
  RESET_BEFORE_RESPONSE
}
