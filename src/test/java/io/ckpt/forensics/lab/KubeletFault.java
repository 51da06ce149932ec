package io.ckpt.forensics.lab;

/**
 * What a simulated kubelet does with a checkpoint request that passed authentication, authorization
 * and the pod/container/timeout checks, i.e. at the moment the real kubelet calls the container runtime.
 * Texts: docs/design/kubelet-answers.md (row ids and section numbers in brackets).
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
  RESET_BEFORE_RESPONSE,
  /*
   * Bad peers: the archive is written, then the 200 answer is mangled on its way out, as by a broken
   * kubelet or something in between. The operator must end each with a clear reason, read little,
   * and never send the call again.
   */
  /** 200 with a 10 MiB body: the real {"items":[path]} followed by whitespace. */
  HUGE_BODY,
  /** 200 with an HTML page instead of JSON. */
  NOT_JSON,
  /** 200 with {"items":[]}. */
  NO_ITEMS,
  /** 200 with two paths in items. */
  SEVERAL_ITEMS,
  /** 200 and headers at once, then the body a few bytes every half second (the connection ends after 60 s at most). */
  SLOW_DRIP
}
