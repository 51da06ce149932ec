package io.ckpt.forensics.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.CheckpointedProcess;
import io.ckpt.forensics.archive.ContainerMetadata;
import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.OpenSocket;
import io.ckpt.forensics.archive.TaskState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Each heuristic of {@link SuspiciousSigns} fires on a process made to trigger it, with the
 * sentence the summary shows, and none fires on a clean nginx container.
 */
class SuspiciousSignsTest {

  private static final List<OpenFile> NO_FILES = List.of(new OpenFile("0", "REG", "/dev/null"));
  private static final OpenSocket LOOPBACK_LISTENER = tcp("127.0.0.1", 8080, "LISTEN");

  @Test
  void aCleanContainerShowsNothing() {
    CheckpointReport clean = report(List.of("/usr/sbin/nginx"),
        process(1, "nginx", "/usr/sbin/nginx", NO_FILES, List.of(LOOPBACK_LISTENER, tcp("0.0.0.0", 80, "ESTABLISHED"),
            tcp("10.0.0.5", 443, "LISTEN"))),
        process(7, "nginx", "/usr/sbin/nginx", NO_FILES, List.of()));

    assertThat(SuspiciousSigns.of(clean)).isEmpty();
  }

  @Test
  void aShellIsNamedAndSaysWhenItHoldsATerminal() {
    CheckpointReport r = report(List.of("sh"),
        process(1, "sh", "/bin/sh", NO_FILES, List.of()),
        process(9, "bash", "/bin/bash", List.of(new OpenFile("0", "TTY", "TTY.5")), List.of()));

    assertThat(SuspiciousSigns.of(r)).containsExactly("pid 1 (sh) is a shell",
        "pid 9 (bash) is a shell attached to a terminal", "pid 9 (bash) is not the image entrypoint (sh)");
  }

  @Test
  void aNetworkOrScriptingToolIsNamed() {
    CheckpointReport r = report(List.of(), process(12, "ncat", "/usr/bin/ncat", NO_FILES, List.of()));

    assertThat(SuspiciousSigns.of(r)).containsExactly(
        "pid 12 (ncat) is a network or scripting tool often used after an intrusion");
  }

  @Test
  void aDeletedExecutableIsNamed() {
    CheckpointReport r = report(List.of(), process(3, "app", "/usr/local/bin/app (deleted)", NO_FILES, List.of()));

    assertThat(SuspiciousSigns.of(r)).containsExactly(
        "pid 3 (app) runs a deleted executable: /usr/local/bin/app (deleted)");
  }

  @Test
  void everyScratchDirectoryIsSuspectAsTheHomeOfAnExecutable() {
    for (String dir : List.of("/tmp/", "/dev/shm/", "/var/tmp/", "/run/")) {
      CheckpointReport r = report(List.of(), process(4, "kworker", dir + ".x/kworker", NO_FILES, List.of()));

      assertThat(SuspiciousSigns.of(r)).as(dir).containsExactly(
          "pid 4 (kworker) runs an executable from a writable scratch directory: " + dir + ".x/kworker");
    }
  }

  @Test
  void aProcessThatIsNotTheEntrypointIsNamed() {
    CheckpointReport r = report(List.of("/usr/sbin/nginx", "-g", "daemon off;"),
        process(1, "nginx", "/usr/sbin/nginx", NO_FILES, List.of()),
        process(40, "miner", "/opt/miner", NO_FILES, List.of()));

    assertThat(SuspiciousSigns.of(r)).containsExactly("pid 40 (miner) is not the image entrypoint (nginx)");
  }

  @Test
  void aListenerOnEveryAddressIsNamedForIpv4AndIpv6() {
    CheckpointReport r = report(List.of(), process(5, "app", "/app", NO_FILES,
        List.of(tcp("0.0.0.0", 4444, "LISTEN"), tcp("::", 5555, "LISTEN"), LOOPBACK_LISTENER)));

    assertThat(SuspiciousSigns.of(r)).containsExactly("pid 5 (app) listens on all addresses, TCP port 4444",
        "pid 5 (app) listens on all addresses, TCP port 5555");
  }

  private static CheckpointReport report(List<String> entrypoint, CheckpointReport.Process... processes) {
    ContainerMetadata container = new ContainerMetadata("web", "web-0", "shop", "CRI-O", "nginx:1.27", "sha256:1",
        "abc", "runc", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "10.0.0.5", List.of(), List.of(), Map.of(),
        entrypoint, List.of());
    return new CheckpointReport(Path.of("checkpoint.tar"), 0, container,
        new CheckpointReport.Sizes(0, 0, 0, 0, 0, 0), Optional.empty(), List.of(processes), List.of(), List.of());
  }

  private static CheckpointReport.Process process(int pid, String comm, String executable, List<OpenFile> files,
      List<OpenSocket> sockets) {
    CheckpointedProcess task = new CheckpointedProcess(pid, pid == 1 ? 0 : 1, pid, 1, List.of(pid), comm,
        TaskState.ALIVE, "X86_64", Map.of(), "disabled", executable, files, sockets);
    return new CheckpointReport.Process(task, executable, List.of(executable), List.of(), 0, 0, 4096);
  }

  private static OpenSocket tcp(String source, int port, String state) {
    return new OpenSocket(3, "TCP", source.contains(":") ? "IPv6" : "IPv4", "STREAM", state, source, port,
        source.contains(":") ? "::" : "0.0.0.0", 0, 0, 0);
  }
}
