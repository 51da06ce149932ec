package io.ckpt.forensics.api;

/** Where taking one container's archive into custody stands. */
public enum EvidencePhase {
  /** A collector pod was asked for; its report has not arrived. */
  Collecting,
  /** Stored, read back and verified; the custody record is stored beside it. */
  Stored,
  /** Not stored; the archive stays on the node (failure says why). */
  Failed;

  public boolean isTerminal() {
    return this != Collecting;
  }
}
