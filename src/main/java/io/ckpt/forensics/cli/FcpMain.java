package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.ArchiveFormatException;
import io.ckpt.forensics.evidence.KeyFileException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code fcp}: the archive inspector's command line. Runs on a laptop without a cluster (no
 * Kubernetes client in this package or in the archive package it uses).
 */
@Command(name = "fcp", mixinStandardHelpOptions = true, versionProvider = FcpVersion.class,
    description = "Inspect forensic container checkpoint archives without extracting them, and verify stored evidence.",
    footer = ExitCode.FOOTER,
    subcommands = {ListCommand.class, InspectCommand.class, MemparseCommand.class, SummaryCommand.class,
        FilesCommand.class, ExtractCommand.class, DiffCommand.class, VerifyCommand.class, ImageCommand.class,
        CommandLine.HelpCommand.class})
public final class FcpMain {

  static final ObjectMapper JSON = new ObjectMapper();

  static {
    JSON.getFactory().setCharacterEscapes(UntrustedText.JSON_ESCAPES);
  }

  private final java.io.InputStream stdin;

  private FcpMain(java.io.InputStream stdin) {
    this.stdin = stdin;
  }

  /** The command model read from the standard input: what picocli-codegen builds completion and man pages from. */
  public FcpMain() {
    this(System.in);
  }

  /** What {@code -} reads for a subcommand of this fcp. */
  static java.io.InputStream stdin(picocli.CommandLine.Model.CommandSpec subcommand) {
    return ((FcpMain) subcommand.parent().userObject()).stdin;
  }

  public static void main(String[] args) {
    // UTF-8 whatever the locale (as checkpointctl writes): Java 17 would print the tree's box-drawing
    // characters and "µs" as '?' under LANG=C or with no locale set at all
    System.exit(run(args, utf8(System.out), utf8(System.err)));
  }

  private static java.io.PrintWriter utf8(java.io.PrintStream stream) {
    return new java.io.PrintWriter(new java.io.OutputStreamWriter(stream, java.nio.charset.StandardCharsets.UTF_8), true);
  }

  /** Runs one command line, writing to the given streams; returns the exit code. */
  public static int run(String[] args, java.io.PrintWriter out, java.io.PrintWriter err) {
    return run(args, System.in, out, err);
  }

  /** Runs one command line reading {@code -} from {@code stdin}; returns the exit code ({@link ExitCode}). */
  public static int run(String[] args, java.io.InputStream stdin, java.io.PrintWriter out, java.io.PrintWriter err) {
    CommandLine cmd = new CommandLine(new FcpMain(stdin));
    cmd.setOut(out);
    cmd.setErr(err);
    cmd.setParameterExceptionHandler(new UsageErrors());
    cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      // messages quote member names, paths and metadata from the archive
      if (e instanceof UserError) {
        UsageErrors.print(commandLine, describe(e));
      } else {
        commandLine.getErr().println("fcp: " + UntrustedText.escape(describe(e)));
        commandLine.getErr().flush();
      }
      return ExitCode.of(e);
    });
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  private static String describe(Exception e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file: " + n.getFile();
    }
    if (e instanceof ArchiveFormatException || e instanceof UserError || e instanceof KeyFileException
        || e instanceof io.ckpt.forensics.export.UnusableArchiveException
        || e instanceof io.ckpt.forensics.export.RegistryPush.Failure) {
      return e.getMessage();
    }
    if (e instanceof IOException) {
      return "cannot read: " + e.getMessage();
    }
    return e.toString();
  }
}
