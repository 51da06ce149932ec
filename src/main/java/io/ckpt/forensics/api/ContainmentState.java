package io.ckpt.forensics.api;

/** What became of a containment its CheckpointPolicy asked for. */
public enum ContainmentState {
  /** The pod was labelled and the deny-all NetworkPolicy selects it. */
  Contained,
  /** Not contained, and never will be for this object; the message says why. */
  NotContained
}
