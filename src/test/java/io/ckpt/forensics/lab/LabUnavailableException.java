package io.ckpt.forensics.lab;

/**
 * The machine cannot host a lab (no network namespace, not started through operator/lab/in-netns).
 * Cluster tests turn it into a skipped test with the reason ({@link Lab#assumeAvailable()}).
 */
public final class LabUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LabUnavailableException(String reason) {
    super(reason);
  }
}
