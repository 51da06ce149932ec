package io.ckpt.forensics.lab;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.ckpt.forensics.operator.CollectorPods;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;

/**
 * One container of a lab-run pod as a local JVM: {@code java -cp <this JVM's classpath> MAIN ARGS},
 * where MAIN is {@link OperatorMain} (the operator image's entrypoint) or, for tests, the class a
 * {@code command: ["java-main", "CLASS", ...]} names. Its output goes to {@code <dir>/container.log};
 * its termination message path is the file {@code <dir>/termination-log}.
 */
final class LocalContainerProcess {

  /** {@code command[0]} that names a main class on the test classpath instead of the image's entrypoint. */
  static final String JAVA_MAIN = "java-main";
  /** The kubelet reads at most this much of a termination message. */
  static final int MAX_TERMINATION_MESSAGE_BYTES = 4096;
  /** The heap of a container whose JAVA_TOOL_OPTIONS sets none: a lab node runs several JVMs on a small machine. */
  static final String DEFAULT_HEAP = "-Xmx256m";

  /** What to run: main class, arguments and environment as the pod says them (container paths). */
  record Plan(String mainClass, List<String> args, Map<String, String> env) {}

  private final Container container;
  private final Process process;
  private final Path log;
  private final Path terminationLog;

  private LocalContainerProcess(Container container, Process process, Path log, Path terminationLog) {
    this.container = container;
    this.process = process;
    this.log = log;
    this.terminationLog = terminationLog;
  }

  /** The plan for {@code c}, or why the lab cannot run it. */
  static Plan plan(Container c) throws PodRefusal {
    List<String> command = c.getCommand() == null ? List.of() : c.getCommand();
    List<String> args = new ArrayList<>();
    String main;
    if (command.isEmpty() || command.equals(CollectorPods.COMMAND)) {
      main = OperatorMain.class.getName();
    } else if (command.size() >= 2 && JAVA_MAIN.equals(command.get(0))) {
      main = command.get(1);
      args.addAll(command.subList(2, command.size()));
    } else {
      throw new PodRefusal("UnsupportedCommand", "container '" + c.getName() + "': the lab runs the operator image's"
          + " entrypoint (no command, or the collector's " + CollectorPods.COMMAND + ") or command [\"" + JAVA_MAIN + "\", \"<main class>\", ...], not " + command);
    }
    if (c.getArgs() != null) {
      args.addAll(c.getArgs());
    }
    Map<String, String> env = new LinkedHashMap<>();
    if (c.getEnv() != null) {
      for (EnvVar e : c.getEnv()) {
        if (e.getValueFrom() != null) {
          throw new PodRefusal("UnsupportedEnv", "container '" + c.getName() + "': env " + e.getName()
              + " uses valueFrom; the lab passes plain values only");
        }
        env.put(e.getName(), e.getValue() == null ? "" : e.getValue());
      }
    }
    return new Plan(main, List.copyOf(args), env);
  }

  /** Starts the container's JVM with every path in args and env values rewritten by {@code paths}. */
  static LocalContainerProcess start(String podName, Container c, Plan plan, MountedPaths paths, Path dir,
      Path terminationLog) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String toolOptions = plan.env().getOrDefault("JAVA_TOOL_OPTIONS", "");
    // the JVM itself reads JAVA_TOOL_OPTIONS from the environment below; without a heap flag there, bound it here
    if (!toolOptions.contains("-Xmx") && !toolOptions.contains("MaxRAM")) {
      command.add(DEFAULT_HEAP);
    }
    command.add("-XX:+UseSerialGC"); // fewer threads: several of these share two CPUs
    Path tmp = paths.local("/tmp");
    if (tmp != null) {
      command.add("-Djava.io.tmpdir=" + tmp);
    }
    command.add("-cp");
    command.add(absoluteClassPath(System.getProperty("java.class.path")));
    command.add(plan.mainClass());
    plan.args().forEach(a -> command.add(paths.rewrite(a)));
    try {
      Files.createDirectories(dir);
      // the kubelet creates the file before the container starts, so a container can open it for writing
      Files.write(terminationLog, new byte[0]);
      Path log = dir.resolve("container.log");
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      // a container sees its own environment, not the test JVM's (no KUBECONFIG, no proxies)
      Map<String, String> env = builder.environment();
      String path = env.get("PATH");
      env.clear();
      env.put("PATH", path == null ? "/usr/bin:/bin" : path);
      env.put("HOSTNAME", podName);
      env.put("HOME", tmp != null ? tmp.toString() : dir.toString());
      plan.env().forEach((k, v) -> env.put(k, paths.rewrite(v)));
      return new LocalContainerProcess(c, builder.start(), log, terminationLog);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start container " + c.getName() + " of pod " + podName, e);
    }
  }

  long pid() {
    return process.pid();
  }

  /** Valid once it has exited. */
  int exitCode() {
    return process.exitValue();
  }

  CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM now, SIGKILL after {@code grace} if it still runs (as the kubelet stops a container). */
  void stop(Duration grace, ScheduledExecutorService timer) {
    process.destroy();
    timer.schedule(this::kill, grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGTERM. */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL, if it still runs. */
  void kill() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  /** Waits at most {@code wait} for the exit; true when it has exited. */
  boolean awaitExit(Duration wait) {
    try {
      return process.waitFor(Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  /**
   * The termination message as the kubelet reports it: the first 4096 bytes of the termination-log
   * file; under FallbackToLogsOnError an empty file after a failure gives the log's tail instead
   * (80 lines, 2048 bytes). Null when there is none.
   */
  String terminationMessage(int exitCode) {
    String message = head(terminationLog, MAX_TERMINATION_MESSAGE_BYTES);
    if (message.isEmpty() && exitCode != 0 && "FallbackToLogsOnError".equals(container.getTerminationMessagePolicy())) {
      message = logTail(80, 2048);
    }
    return message.isEmpty() ? null : message;
  }

  private static String head(Path file, int maxBytes) {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(maxBytes), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private String logTail(int lines, int maxBytes) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      String tail = String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
      byte[] bytes = tail.getBytes(StandardCharsets.UTF_8);
      return bytes.length <= maxBytes ? tail
          : new String(bytes, bytes.length - maxBytes, maxBytes, StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  Path log() {
    return log;
  }

  /**
   * The class path with every entry made absolute: the container runs in its own directory, where
   * entries relative to this JVM's (operator/demo passes target/classes) would find nothing.
   */
  static String absoluteClassPath(String classPath) {
    return Arrays.stream(classPath.split(File.pathSeparator)).filter(e -> !e.isEmpty())
        .map(e -> Path.of(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
  }
}
