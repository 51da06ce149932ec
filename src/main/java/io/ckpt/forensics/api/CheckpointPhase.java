package io.ckpt.forensics.api;

/** Lifecycle of a whole ForensicCheckpoint; the last three are terminal. */
public enum CheckpointPhase {
  Pending,
  Running,
  Succeeded,
  PartiallySucceeded,
  Failed;

  public boolean isTerminal() {
    return this == Succeeded || this == PartiallySucceeded || this == Failed;
  }
}
