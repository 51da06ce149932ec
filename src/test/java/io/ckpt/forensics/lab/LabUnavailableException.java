package io.ckpt.forensics.lab;

/**
 * The machine cannot host a lab (no network namespace, not started through operator/lab/in-netns).
 * Cluster tests are skipped with the reason before they start ({@link LabAvailability}), or fail
 * with this exception under FCP_LAB_REQUIRED=true.
 */
public final class LabUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LabUnavailableException(String reason) {
    super(reason);
  }
}
