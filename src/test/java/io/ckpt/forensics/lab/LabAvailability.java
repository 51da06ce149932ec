package io.ckpt.forensics.lab;

import java.util.Optional;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Decides, before a cluster test class starts, whether it can run: where no lab can run, the class is
 * disabled with the reason (shown in the Maven output and the report), or fails under
 * {@value #REQUIRED_VARIABLE}=true so that CI never passes by skipping every cluster test.
 *
 * <p>A condition, not an assumption in {@code @BeforeAll}: an abort there reports nothing.
 */
public final class LabAvailability implements ExecutionCondition {

  /** Environment variable: when {@code true}, an unavailable lab fails the test instead of skipping it. */
  public static final String REQUIRED_VARIABLE = "FCP_LAB_REQUIRED";

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<String> reason = Lab.unavailableReason();
    if (reason.isEmpty()) {
      return ConditionEvaluationResult.enabled("the lab can run here");
    }
    String what = context.getDisplayName();
    requireOrReport(what, reason.get());
    return ConditionEvaluationResult.disabled("lab unavailable: " + reason.get());
  }

  /** Whether {@value #REQUIRED_VARIABLE}=true is set for this JVM (CI's {@code .ci/run} sets it). */
  public static boolean required() {
    return "true".equalsIgnoreCase(System.getenv(REQUIRED_VARIABLE));
  }

  /**
   * Throws {@link LabUnavailableException} under {@value #REQUIRED_VARIABLE}=true; else prints why
   * {@code what} is skipped (stderr reaches the Maven output) and returns.
   */
  public static void requireOrReport(String what, String reason) {
    if (required()) {
      throw new LabUnavailableException(REQUIRED_VARIABLE + "=true and " + what + " cannot run: " + reason
          + " (fix that, or unset " + REQUIRED_VARIABLE + " to skip cluster tests where no lab can run)");
    }
    System.err.println("[lab] " + what + " skipped: " + reason);
  }
}
