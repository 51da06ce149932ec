package io.ckpt.forensics.plugin;

import io.ckpt.forensics.api.ForensicCheckpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Completion candidates for a partly typed {@code kubectl fcp} command line, from the command model
 * (subcommands, options) and, for the argument that names a ForensicCheckpoint or a pod, from the
 * cluster as the user sees it. Printed in the format of Cobra's hidden {@code __complete} command,
 * which kubectl (1.26+) expects from a plugin's {@code kubectl_complete-<plugin>} executable: one
 * candidate a line, then {@code :<directive>} (4: no file names; 0: let the shell complete file names).
 */
final class Completions {

  static final int NO_FILE_COMPLETION = 4;
  static final int FILE_COMPLETION = 0;

  /** Candidates and the directive that ends them. */
  record Answer(List<String> candidates, int directive) {
    List<String> lines() {
      List<String> lines = new ArrayList<>(candidates);
      lines.add(":" + directive);
      return lines;
    }
  }

  private Completions() {}

  /**
   * The answer for {@code words} (what follows {@code kubectl fcp}; the last one is being typed,
   * possibly empty). {@code names} lists what the cluster has of a kind ("forensiccheckpoints",
   * "pods") with the cluster flags typed so far, or nothing when it cannot.
   */
  static Answer complete(CommandSpec root, List<String> words, NameLookup names) {
    List<String> done = words.isEmpty() ? List.of() : words.subList(0, words.size() - 1);
    String typed = words.isEmpty() ? "" : words.get(words.size() - 1);
    CommandSpec command = root;
    int positionals = 0;
    Map<String, String> cluster = new java.util.HashMap<>();
    for (int i = 0; i < done.size(); i++) {
      String word = done.get(i);
      CommandLine sub = command.subcommands().get(word);
      if (positionals == 0 && !word.startsWith("-") && sub != null && command == root) {
        command = sub.getCommandSpec();
        continue;
      }
      if (word.equals("--")) {
        return new Answer(List.of(), FILE_COMPLETION); // what follows goes to fcp inspect
      }
      OptionSpec option = word.startsWith("-") ? command.findOption(word.replaceFirst("=.*", "")) : null;
      if (option != null && option.arity().max() > 0 && !word.contains("=")) {
        if (i + 1 < done.size()) {
          cluster.put(option.longestName(), done.get(i + 1));
        }
        i++; // the option's value
      } else if (!word.startsWith("-")) {
        positionals++;
      }
    }
    OptionSpec expecting = done.isEmpty() ? null : command.findOption(done.get(done.size() - 1));
    if (expecting != null && expecting.arity().max() > 0 && !done.get(done.size() - 1).contains("=")) {
      return new Answer(List.of(), expecting.type() == java.nio.file.Path.class
          || expecting.type() == java.io.File.class || expecting.auxiliaryTypes()[0] == java.nio.file.Path.class
          ? FILE_COMPLETION : NO_FILE_COMPLETION);
    }
    List<String> candidates = new ArrayList<>();
    if (typed.startsWith("-")) {
      for (OptionSpec option : command.options()) {
        if (!option.hidden()) {
          for (String n : option.names()) {
            if (n.startsWith(typed)) {
              candidates.add(n);
            }
          }
        }
      }
      return new Answer(candidates, NO_FILE_COMPLETION);
    }
    if (command == root) {
      for (Map.Entry<String, CommandLine> sub : root.subcommands().entrySet()) {
        if (sub.getKey().startsWith(typed) && !sub.getValue().getCommandSpec().usageMessage().hidden()) {
          candidates.add(sub.getKey());
        }
      }
      return new Answer(candidates, NO_FILE_COMPLETION);
    }
    if (positionals == 0) {
      String kind = switch (command.name()) {
        case "take" -> "pods";
        case "get", "describe", "fetch", "inspect", "restore" -> "forensiccheckpoints";
        default -> null;
      };
      if (kind != null) {
        Target target = new Target(cluster.get("--namespace"), cluster.get("--context"), cluster.get("--kubeconfig"));
        for (String n : names.list(kind, target)) {
          if (n.startsWith(typed)) {
            candidates.add(n);
          }
        }
      }
    }
    return new Answer(candidates, NO_FILE_COMPLETION);
  }

  /** The cluster flags typed so far (null: not given). */
  record Target(String namespace, String context, String kubeconfig) {}

  /** Names of a kind in a namespace, as the user may list them; empty when not allowed or unreachable. */
  interface NameLookup {
    List<String> list(String kind, Target target);
  }

  /** The lookup through the cluster, as the user; silent on every failure (completion must never print errors). */
  static NameLookup cluster() {
    return (kind, target) -> {
      ClusterOptions options = new ClusterOptions();
      options.namespace = target.namespace();
      options.context = target.context();
      options.kubeconfig = target.kubeconfig() == null ? null : new java.io.File(target.kubeconfig());
      try (ClusterOptions.Cluster c = options.connect()) {
        return switch (kind) {
          case "pods" -> c.client().pods().inNamespace(c.namespace()).list().getItems().stream()
              .map(p -> p.getMetadata().getName()).toList();
          default -> c.client().resources(ForensicCheckpoint.class).inNamespace(c.namespace()).list().getItems()
              .stream().map(f -> f.getMetadata().getName()).toList();
        };
      } catch (Exception e) {
        return List.of();
      }
    };
  }
}
