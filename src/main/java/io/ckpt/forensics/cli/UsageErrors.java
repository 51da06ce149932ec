package io.ckpt.forensics.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/**
 * Prints a command-line mistake as one line and a hint ({@code Try 'fcp inspect --help'.}), as GNU
 * tools do, instead of the whole help; exits {@link ExitCode#USAGE}.
 */
final class UsageErrors implements IParameterExceptionHandler {

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    print(e.getCommandLine(), e.getMessage());
    return ExitCode.USAGE;
  }

  /** "fcp: MESSAGE" and the hint for {@code commandLine}'s help. */
  static void print(CommandLine commandLine, String message) {
    PrintWriter err = commandLine.getErr();
    err.println("fcp: " + UntrustedText.escape(message));
    err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
    err.flush();
  }
}
