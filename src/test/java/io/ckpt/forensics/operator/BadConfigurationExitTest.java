package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator's real entry point, in a child JVM, with a bad environment: it exits with status 2
 * and one line on stderr naming the variable, before it contacts any API server.
 */
class BadConfigurationExitTest {

  /** The exit status OperatorMain documents for a configuration it cannot start with. */
  private static final int BAD_CONFIGURATION = 2;

  @Test
  void anUnknownTransportExitsWithStatusTwoAndOneLineNamingFcpTransport() throws Exception {
    Exit exit = runOperator(Map.of(OperatorConfig.TRANSPORT, "carrier-pigeon"));

    assertThat(exit.status()).as(exit.stderr()).isEqualTo(BAD_CONFIGURATION);
    assertThat(exit.stderr().lines().toList()).singleElement().asString()
        .startsWith("forensic-checkpoint-operator: bad configuration: FCP_TRANSPORT: 'carrier-pigeon'");
    assertThat(exit.stdout()).isEmpty();
  }

  @Test
  void aDirectTransportWithoutKubeletCaExitsWithStatusTwoAndOneLineNamingTheFix() throws Exception {
    Exit exit = runOperator(Map.of(OperatorConfig.TRANSPORT, "direct"));

    assertThat(exit.status()).as(exit.stderr()).isEqualTo(BAD_CONFIGURATION);
    assertThat(exit.stderr().lines().toList()).singleElement().asString()
        .startsWith("forensic-checkpoint-operator: bad configuration: FCP_KUBELET_CA_FILE is not set")
        .contains("FCP_KUBELET_INSECURE_SKIP_VERIFY");
  }

  private record Exit(int status, String stdout, String stderr) {}

  /** java -cp target/classes + the runtime classpath OperatorMain, with no FCP_* variable but {@code env}. */
  private static Exit runOperator(Map<String, String> env) throws Exception {
    Path build = Path.of(System.getProperty("build.directory", "target"));
    String classpath = build.resolve("classes") + File.pathSeparator
        + Files.readString(build.resolve("runtime-classpath.txt")).strip();
    Path out = Files.createTempFile(build, "operator-exit", ".out");
    Path err = Files.createTempFile(build, "operator-exit", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", classpath, OperatorMain.class.getName()))
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("FCP_") || k.equals("KUBECONFIG"));
      // no cluster either: a kubeconfig that points nowhere, should the operator get as far as connecting
      pb.environment().put("KUBECONFIG", build.resolve("no-such-kubeconfig").toString());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("the operator did not exit within 60 s with " + env + ": " + Files.readString(err));
      }
      return new Exit(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
