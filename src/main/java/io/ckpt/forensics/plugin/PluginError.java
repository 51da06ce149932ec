package io.ckpt.forensics.plugin;

/** What a command tells the user when it cannot go on: one message and the exit code for it; no stack trace. */
final class PluginError extends Exception {

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  PluginError(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  PluginError(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
