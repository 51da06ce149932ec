package io.ckpt.forensics.lab;

import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Decides whether a test class that needs the {@link S3TestServer} can run: where the server is not
 * installed it is skipped with the reason, or fails under {@value LabAvailability#REQUIRED_VARIABLE}=true,
 * as {@link LabAvailability} does for the lab itself.
 */
public final class S3ServerAvailability implements ExecutionCondition {

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<String> reason = S3TestServer.unavailableReason();
    if (reason.isEmpty()) {
      return ConditionEvaluationResult.enabled("the S3 test server is installed");
    }
    LabAvailability.requireOrReport(context.getDisplayName(), reason.get());
    return ConditionEvaluationResult.disabled("S3 test server unavailable: " + reason.get());
  }
}
