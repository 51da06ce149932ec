package io.ckpt.forensics.evidence;

/** One check of a verification: what was checked, how it came out, and the detail a person needs (both values on a mismatch). */
public record VerificationCheck(String name, Outcome outcome, String detail) {

  /** How a check came out. */
  public enum Outcome {
    PASSED,
    FAILED,
    /** Not checked, with the reason (an encrypted plaintext without the decryption key). */
    SKIPPED
  }

  static VerificationCheck passed(String name, String detail) {
    return new VerificationCheck(name, Outcome.PASSED, detail);
  }

  static VerificationCheck failed(String name, String detail) {
    return new VerificationCheck(name, Outcome.FAILED, detail);
  }

  static VerificationCheck skipped(String name, String detail) {
    return new VerificationCheck(name, Outcome.SKIPPED, detail);
  }

  public boolean failed() {
    return outcome == Outcome.FAILED;
  }
}
