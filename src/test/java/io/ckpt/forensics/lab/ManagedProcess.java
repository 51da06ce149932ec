package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** An external lab process (etcd, kube-apiserver): output appended to one log file, stoppable, restartable. */
final class ManagedProcess {

  private final String name;
  private final List<String> command;
  private final Path log;
  private final Path workDir;
  private final Map<String, String> environment;
  private volatile Process process;

  ManagedProcess(String name, List<String> command, Path log, Path workDir) {
    this(name, command, log, workDir, Map.of());
  }

  /** With {@code environment} added to this JVM's. */
  ManagedProcess(String name, List<String> command, Path log, Path workDir, Map<String, String> environment) {
    this.name = name;
    this.command = List.copyOf(command);
    this.environment = Map.copyOf(environment);
    this.log = log;
    this.workDir = workDir;
  }

  synchronized void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, "\n==== " + java.time.Instant.now() + " starting: " + String.join(" ", command) + "\n",
          StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Map<String, String> env = builder.environment();
      // nothing in the lab may go through a proxy (there is no network in the namespace anyway)
      for (String var : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")) {
        env.remove(var);
      }
      env.put("NO_PROXY", "*");
      env.putAll(environment);
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  /** SIGTERM, then SIGKILL after {@code grace}. */
  synchronized void stop(Duration grace) {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** Throws with the log tail when the process has exited. */
  void checkAlive() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(name + " exited" + (p == null ? "" : " with code " + p.exitValue())
          + "; last lines of " + log + ":\n" + tail(40));
    }
  }

  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  Path log() {
    return log;
  }

  String name() {
    return name;
  }
}
