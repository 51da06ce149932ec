package io.ckpt.forensics.api;

/** Lifecycle of one container's checkpoint; Succeeded and Failed are terminal. */
public enum ContainerPhase {
  Pending,
  Running,
  Succeeded,
  Failed;

  public boolean isTerminal() {
    return this == Succeeded || this == Failed;
  }
}
