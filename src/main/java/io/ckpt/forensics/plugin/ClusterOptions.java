package io.ckpt.forensics.plugin;

import io.ckpt.forensics.operator.KubeconfigClientKey;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * The cluster and namespace a command works in, chosen as kubectl chooses them: {@code --kubeconfig},
 * else {@code KUBECONFIG} (several files joined by ':'), else ~/.kube/config; {@code --context},
 * else the current context; {@code -n}, else the context's namespace, else {@code default}. kubectl
 * does not pass its own flags to a plugin, so the plugin takes them itself. The user's credentials
 * are the only ones used: the plugin can do exactly what its user's RBAC allows.
 */
final class ClusterOptions {

  @Option(names = "--kubeconfig", paramLabel = "FILE", description = "The kubeconfig file (default: KUBECONFIG,"
      + " else ~/.kube/config).")
  File kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context (default: the current one).")
  String context;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
      description = "The namespace (default: the context's, else default).")
  String namespace;

  /** A client of the chosen cluster as its user, and the namespace to work in. */
  record Cluster(KubernetesClient client, String namespace) implements AutoCloseable {
    @Override
    public void close() {
      client.close();
    }
  }

  Cluster connect() throws PluginError {
    Config config = config();
    String ns = namespace != null ? namespace : config.getNamespace() != null ? config.getNamespace() : "default";
    return new Cluster(new KubernetesClientBuilder().withConfig(config).build(), ns);
  }

  private Config config() throws PluginError {
    if (kubeconfig != null && !kubeconfig.isFile()) {
      throw new PluginError(PluginExitCode.USAGE, "--kubeconfig: no such file: " + kubeconfig);
    }
    Config loaded;
    try {
      loaded = kubeconfig != null ? Config.fromKubeconfig(context, kubeconfig) : Config.autoConfigure(context);
    } catch (RuntimeException e) {
      throw new PluginError(PluginExitCode.UNREACHABLE, "cannot use the kubeconfig"
          + (kubeconfig == null ? "" : " " + kubeconfig) + ": " + e.getMessage(), e);
    }
    if (context != null && !hasContext(loaded, context)) {
      List<NamedContext> contexts = loaded.getContexts() == null ? List.of() : loaded.getContexts();
      throw new PluginError(PluginExitCode.USAGE, "--context: the kubeconfig has no context \"" + context + "\""
          + (contexts.isEmpty() ? "" : "; it has: " + contexts.stream().map(NamedContext::getName)
              .collect(Collectors.joining(", "))));
    }
    // one attempt per request: the commands that wait poll again themselves, and an unreachable cluster
    // is reported in seconds instead of after Fabric8's ten retries with back-off
    Config once = new ConfigBuilder(loaded).withRequestRetryBackoffLimit(0).build();
    return KubeconfigClientKey.readable(once);
  }

  private static boolean hasContext(Config config, String name) {
    return config.getCurrentContext() != null && name.equals(config.getCurrentContext().getName());
  }
}
