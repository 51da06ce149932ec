package io.ckpt.forensics.api;

/**
 * Lifecycle of a CheckpointRestore: Pending until the operator checked the checkpoint, the image and the
 * node; Creating once its sandbox pod exists and has not started; Running while the restored container
 * runs; Failed (terminal) when it was refused or the pod failed.
 */
public enum RestorePhase {
  Pending,
  Creating,
  Running,
  Failed;

  public boolean isTerminal() {
    return this == Failed;
  }
}
