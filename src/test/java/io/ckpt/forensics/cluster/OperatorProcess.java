package io.ckpt.forensics.cluster;

import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(classpath());
    command.add(OperatorMain.class.getName());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("FCP_HEALTH_PORT", "0");
    builder.environment().putAll(env);
    try {
      return new OperatorProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
