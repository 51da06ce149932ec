package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.PomVersion;
import io.ckpt.forensics.lab.Lab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The lab's real kubectl with {@code kubectl fcp} installed as docs/kubectl-plugin.md says: the
 * launcher and the jar that {@code ./mvnw package} builds, side by side in a directory on PATH, so
 * kubectl finds the plugin there as it does on a responder's machine.
 */
final class PluginKubectl {

  static final Path BUILD = Path.of(System.getProperty("operator.build.dir", "target")).toAbsolutePath();

  private final Lab lab;
  private final Path bin;

  private PluginKubectl(Lab lab, Path bin) {
    this.lab = lab;
    this.bin = bin;
  }

  /** Copies the built plugin into the lab's run directory, as a responder installs it. */
  static PluginKubectl install(Lab lab) throws IOException {
    Path bin = Files.createDirectories(lab.runDir().resolve("plugin-bin"));
    Path jar = BUILD.resolve("kubectl-fcp-" + PomVersion.read() + ".jar");
    assertThat(jar).as("built by ./mvnw package").isRegularFile();
    Files.copy(ChartRelease.projectRoot().resolve("src/dist/bin/kubectl-fcp"), bin.resolve("kubectl-fcp"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(jar, bin.resolve("kubectl-fcp.jar"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(ChartRelease.projectRoot().resolve("src/dist/bin/kubectl_complete-fcp"),
        bin.resolve("kubectl_complete-fcp"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(bin.resolve("kubectl-fcp").toFile().canExecute()).as("the launcher keeps its mode").isTrue();
    return new PluginKubectl(lab, bin);
  }

  Path bin() {
    return bin;
  }

  /** A token kubeconfig for a ServiceAccount whose context's namespace is its own, as kubectl config set-context writes it. */
  Path kubeconfig(String namespace, String account) throws IOException {
    Path file = lab.writeKubeconfig(lab.runDir().resolve(account + ".kubeconfig"), lab.mintToken(namespace, account));
    return Files.writeString(file, Files.readString(file).replace("namespace: default", "namespace: " + namespace));
  }

  record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "stderr:\n" + err;
    }
  }

  /** kubectl with {@code KUBECONFIG} and a PATH holding only the plugin's directory and the system's. */
  Run run(Path kubeconfig, String... args) throws Exception {
    return run(kubeconfig, Map.of(), args);
  }

  Run run(Path kubeconfig, Map<String, String> extraEnv, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(lab.binaries().kubectl().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(lab.runDir().toFile());
    builder.environment().clear();
    builder.environment().putAll(Map.of("PATH", bin + ":/usr/bin:/bin", "KUBECONFIG", kubeconfig.toString(),
        "HOME", lab.runDir().toString(), "JAVA_HOME", Path.of(System.getProperty("java.home")).toString()));
    builder.environment().putAll(extraEnv);
    Path out = Files.createTempFile(lab.runDir(), "kubectl-fcp", ".out");
    Path err = Files.createTempFile(lab.runDir(), "kubectl-fcp", ".err");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish in 180 s");
    }
    return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
