package io.ckpt.forensics.plugin;

/**
 * {@code kubectl fcp}'s exit codes, the same for every command (docs/kubectl-plugin.md, "Exit codes").
 * 0 and 2 as fcp and kubectl have them; the others let a script tell an outcome it must report (1)
 * from a right it must ask for (3), a name that is wrong (4), a wait it may repeat (5) and a cluster
 * it cannot reach (6).
 */
final class PluginExitCode {

  static final int OK = 0;
  /**
   * The checkpoint or its custody failed (Failed, PartiallySucceeded, evidence not stored), fetched
   * evidence failed verification (nothing kept), or fcp inspect could not read it.
   */
  static final int FAILED = 1;
  static final int USAGE = 2;
  /** The API server (a missing RBAC right, credentials it does not accept) or the evidence store refused. */
  static final int FORBIDDEN = 3;
  /** The named ForensicCheckpoint (or another object asked for) does not exist. */
  static final int NOT_FOUND = 4;
  /** {@code --timeout} passed before the outcome; the object goes on, follow it again. */
  static final int TIMED_OUT = 5;
  /** The cluster could not be reached or the kubeconfig could not be used. */
  static final int UNREACHABLE = 6;

  static final String FOOTER = "%nExit codes: 0 done; 1 the checkpoint or its custody failed, or evidence failed"
      + " verification; 2 usage error; 3 refused by the API server or the store (the message names the missing"
      + " right); 4 not found; 5 --timeout passed"
      + " first; 6 cluster unreachable or kubeconfig unusable.";

  private PluginExitCode() {}
}
