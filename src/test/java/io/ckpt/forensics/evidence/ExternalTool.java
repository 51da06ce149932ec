package io.ckpt.forensics.evidence;

import io.ckpt.forensics.lab.LabAvailability;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a standard tool (gpg, Python with securesystemslib) as a separate process, the way a person
 * checking evidence would. A missing tool skips the test with the reason, or fails it under
 * FCP_LAB_REQUIRED=true (CI), as {@link LabAvailability} does for the lab.
 */
final class ExternalTool {

  private ExternalTool() {}

  /** What a finished process printed. */
  record Result(int exitCode, String out, String err) {}

  /** Skips (or, in CI, fails) the calling test because {@code reason}. */
  static void unavailable(String what, String reason) {
    LabAvailability.requireOrReport(what, reason);
    Assumptions.abort(what + " skipped: " + reason);
  }

  static Result run(List<String> command, Path workDir, java.util.Map<String, String> environment) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectInput(ProcessBuilder.Redirect.from(
        new java.io.File("/dev/null")));
    builder.environment().putAll(environment);
    // the output goes to files, not pipes, so a chatty tool cannot block on a full pipe
    Path out = java.nio.file.Files.createTempFile("external-tool-out", ".txt");
    Path err = java.nio.file.Files.createTempFile("external-tool-err", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    try {
      Process process = builder.start();
      try {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IOException(command.get(0) + " did not finish within 120 s");
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + command.get(0), e);
      }
      return new Result(process.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
          java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      java.nio.file.Files.deleteIfExists(out);
      java.nio.file.Files.deleteIfExists(err);
    }
  }
}
