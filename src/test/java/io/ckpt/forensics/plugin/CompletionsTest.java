package io.ckpt.forensics.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** What kubectl_complete-fcp answers, in Cobra's __complete format. */
class CompletionsTest {

  private final CommandSpec root = new CommandLine(new KubectlFcp()).getCommandSpec();
  private final List<String> asked = new ArrayList<>();
  private final Completions.NameLookup names = (kind, target) -> {
    asked.add(kind + " in " + target.namespace() + " of " + target.context());
    return kind.equals("pods") ? List.of("nettools", "web-0") : List.of("nettools-inc42", "web-x7k2q");
  };

  private List<String> complete(String... words) {
    return Completions.complete(root, List.of(words), names).lines();
  }

  @Test
  void theCommandsWithoutHelpersNorHiddenOnes() {
    assertThat(complete("")).containsExactly("take", "get", "describe", "fetch", "inspect", "restore", "completion",
        "help", ":4");
    assertThat(complete("re")).containsExactly("restore", ":4");
  }

  @Test
  void optionsOfTheCommandTyped() {
    assertThat(complete("take", "nettools", "--re")).containsExactly("--reason", ":4");
    assertThat(complete("fetch", "x", "--s3-")).containsExactly("--s3-endpoint", "--s3-region", "--s3-path-style", ":4");
  }

  @Test
  void namesFromTheClusterWithTheFlagsTypedSoFar() {
    assertThat(complete("describe", "-n", "dev", "--context", "lab", "n")).containsExactly("nettools-inc42", ":4");
    assertThat(asked).containsExactly("forensiccheckpoints in dev of lab");
    assertThat(complete("take", "w")).containsExactly("web-0", ":4");
    assertThat(complete("describe", "nettools-inc42", "")).as("one name only").containsExactly(":4");
  }

  @Test
  void fileOptionsLeaveTheShellToCompleteFileNames() {
    assertThat(complete("fetch", "x", "--key", "")).containsExactly(":0");
    assertThat(complete("fetch", "x", "-o", "")).containsExactly(":0");
    assertThat(complete("fetch", "x", "--decryption-key", "")).containsExactly(":0");
    assertThat(complete("restore", "x", "--node", "")).containsExactly(":4");
    assertThat(complete("inspect", "x", "--", "")).as("after --: fcp inspect's arguments").containsExactly(":0");
  }
}
