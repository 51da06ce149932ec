package io.ckpt.forensics.plugin;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl fcp completion bash|zsh}: a completion script for {@code kubectl-fcp} typed as such.
 * Typed as {@code kubectl fcp}, kubectl's own completion does the work, asking the executable
 * kubectl_complete-fcp beside the launcher (kubectl 1.26+; docs/kubectl-plugin.md, "Shell completion").
 */
@Command(name = "completion", footer = PluginExitCode.FOOTER,
    description = {"Print a completion script for kubectl-fcp: source <(kubectl fcp completion bash).",
        "kubectl fcp <TAB> needs no script of its own: kubectl's completion asks kubectl_complete-fcp, installed"
            + " beside kubectl-fcp."})
final class CompletionCommand implements Callable<Integer> {

  enum Shell { bash, zsh }

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh (the same script: in zsh it loads"
      + " bashcompinit itself).")
  Shell shell;

  @Override
  public Integer call() {
    CommandLine root = spec.root().commandLine();
    spec.commandLine().getOut().print(AutoComplete.bash("kubectl-fcp", root));
    spec.commandLine().getOut().flush();
    return PluginExitCode.OK;
  }
}
