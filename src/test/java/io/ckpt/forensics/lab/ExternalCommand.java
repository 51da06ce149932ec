package io.ckpt.forensics.lab;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion (kubectl, for instance): its exit code and whole output, killed after a timeout. */
final class ExternalCommand {

  private ExternalCommand() {
  }

  /** Runs {@code command} with {@code stdin} (null: /dev/null); output goes through temp files, so it cannot block. */
  static ExecResult run(List<String> command, String stdin, Duration timeout) {
    try {
      Path out = Files.createTempFile("lab-exec", ".out");
      Path err = Files.createTempFile("lab-exec", ".err");
      try {
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
        if (stdin == null) {
          builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = builder.start();
        if (stdin != null) {
          try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
          }
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
          return new ExecResult(-1, Files.readString(out), Files.readString(err) + "\n(timed out after " + timeout + ")");
        }
        return new ExecResult(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
