package io.ckpt.forensics.plugin;

import io.ckpt.forensics.analysis.UnsafeCharacters;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code kubectl fcp}: ForensicCheckpoints from a responder's terminal, as a kubectl plugin (the
 * launcher kubectl-fcp on PATH runs this class). It talks to the API server only, as the user of the
 * kubeconfig: it can take, read and fetch exactly what that user's RBAC allows.
 */
@Command(name = "kubectl fcp", mixinStandardHelpOptions = true, versionProvider = PluginVersion.class,
    description = "Take forensic checkpoints of pods and follow them (ForensicCheckpoint objects of the"
        + " forensics.ckpt.io API), with your kubeconfig and your RBAC rights only.",
    footer = PluginExitCode.FOOTER,
    subcommands = {TakeCommand.class, GetCommand.class, DescribeCommand.class, FetchCommand.class, InspectCommand.class, RestoreCommand.class, CompletionCommand.class,
        CommandLine.HelpCommand.class})
public final class KubectlFcp {

  /** The hidden first argument with which kubectl_complete-fcp asks for completions (Cobra's name for it). */
  static final String COMPLETE = "__complete";

  public static void main(String[] args) {
    // every failure reaches the user as one message of ours (PluginError); Fabric8's own log lines (a
    // warning for each v1alpha1 request, retries) would only interleave with the command's output
    Logger.getLogger("").setLevel(Level.OFF);
    System.exit(run(args, utf8(System.out), utf8(System.err)));
  }

  private static PrintWriter utf8(PrintStream stream) {
    return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
  }

  /** Runs one command line, writing to the given streams; returns the exit code ({@link PluginExitCode}). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cmd = new CommandLine(new KubectlFcp());
    if (args.length > 0 && args[0].equals(COMPLETE)) {
      // kubectl_complete-fcp: the words are a partial command line, not options of a command of ours
      Completions.complete(cmd.getCommandSpec(), List.of(args).subList(1, args.length), Completions.cluster())
          .lines().forEach(out::println);
      out.flush();
      return PluginExitCode.OK;
    }
    cmd.setOut(out);
    cmd.setErr(err);
    cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof PluginError p) {
        commandLine.getErr().println("error: " + UnsafeCharacters.escape(p.getMessage()));
        commandLine.getErr().flush();
        return p.exitCode();
      }
      throw e;
    });
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }
}
