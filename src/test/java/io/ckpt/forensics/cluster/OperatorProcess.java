package io.ckpt.forensics.cluster;

import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/**
 * The operator in a JVM of its own, as in a pod: started with a kubeconfig, killed with SIGKILL.
 * Its classpath is the build's runtime classpath (no test classes).
 */
public final class OperatorProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static OperatorProcess start(Path kubeconfig, Path log, Map<String, String> env) {
    return start(kubeconfig, log, env, List.of("-Xmx256m"));
  }

  /** As {@link #start(Path, Path, Map)}, with these JVM options instead of -Xmx256m. */
  public static OperatorProcess start(Path kubeconfig, Path log, Map<String, String> env, List<String> jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath());
    command.add(OperatorMain.class.getName());
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("FCP_HEALTH_PORT", "0");
    builder.environment().putAll(env);
    return start(builder, log);
  }

  /** An operator started otherwise (from the image's filesystem: OperatorImageIT), its output appended to log. */
  public static OperatorProcess start(ProcessBuilder builder, Path log) {
    try {
      return new OperatorProcess(builder.redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts an operator, creates ForensicCheckpoint {@code name} for {@code container} and kills the
   * operator (SIGKILL) once the container is Running in status and {@code callReachedNode} says the
   * call is on the node: the kill lands in the middle of the kubelet call. Returns the dead process.
   */
  public static OperatorProcess killedMidCall(Path kubeconfig, Path log, Checkpoints fcps, String namespace,
      String name, String pod, String container, BooleanSupplier callReachedNode) throws InterruptedException {
    OperatorProcess operator = start(kubeconfig, log, Map.of());
    try {
      fcps.create(namespace, name, pod, container);
      fcps.await(namespace, name, Duration.ofSeconds(60), f -> f.getStatus() != null
          && f.getStatus().container(container).map(c -> c.getPhase() == ContainerPhase.Running).orElse(false));
      // Running is written just before the request leaves
      Awaitility.await("the call reached the node").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(50)).until(callReachedNode::getAsBoolean);
      operator.kill();
    } finally {
      operator.close();
    }
    return operator;
  }

  /** SIGKILL: no shutdown hook runs, in-flight calls are cut off. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The health port the operator logged at start (it was started with FCP_HEALTH_PORT=0). */
  public int healthPort(java.time.Duration timeout) throws InterruptedException {
    java.util.regex.Pattern port = java.util.regex.Pattern.compile("operator started .*healthPort=(\\d+)");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      java.util.regex.Matcher m = port.matcher(log());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("operator " + process.pid() + " did not log its start:\n" + log());
  }

  /** GET http://127.0.0.1:port/path on the operator's health server: status and body. */
  public static java.util.Map.Entry<Integer, String> get(int port, String path) throws Exception {
    var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    return java.util.Map.entry(response.statusCode(), response.body());
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  private static String classpath() {
    Path buildDir = Path.of(System.getProperty("operator.build.dir",
        ChartRelease.projectRoot().resolve("target").toString()));
    Path file = buildDir.resolve("runtime-classpath.txt");
    try {
      return buildDir.resolve("classes") + java.io.File.pathSeparator + Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("no " + file + ": run the build's process-classes phase first", e);
    }
  }
}
