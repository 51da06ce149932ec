package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One lab's directory, {@code <labDir>/<timestamp>-<name>/} (logs, pki/, kubeconfigs, nodes/), with a
 * {@code latest} link beside it, and the lab's log ({@code lab.log}, also on stderr).
 */
final class LabRunDirectory {

  private final Path dir;

  private LabRunDirectory(Path dir) {
    this.dir = dir;
  }

  /**
   * Creates a fresh run directory under {@code options.labDir()}, else {@code -Dlab.dir}, else
   * {@code FCP_LAB_DIR}, else {@code <project>/target/lab}.
   */
  static LabRunDirectory create(LabOptions options, Path projectRoot) {
    Path labDir = options.labDir();
    if (labDir == null) {
      String configured = System.getProperty("lab.dir");
      if (configured == null || configured.isBlank()) {
        configured = System.getenv("FCP_LAB_DIR");
      }
      labDir = configured != null && !configured.isBlank() ? Path.of(configured) : projectRoot.resolve("target/lab");
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    try {
      Files.createDirectories(labDir);
      Path dir = labDir.resolve(stamp + "-" + options.name());
      for (int i = 2; Files.exists(dir); i++) {
        dir = labDir.resolve(stamp + "-" + options.name() + "-" + i);
      }
      Files.createDirectories(dir);
      dir = dir.toAbsolutePath();
      // for operator/lab/enter: which process holds the namespace
      String hostPid = System.getenv("FCP_LAB_NETNS_HOST_PID");
      if (hostPid != null && !hostPid.isBlank()) {
        String userns = System.getenv("FCP_LAB_NETNS_USERNS");
        Files.writeString(dir.resolve("netns.pid"), hostPid.strip() + "\n"
            + (userns != null && !userns.isBlank() ? "userns\n" : ""));
      }
      Path latest = labDir.resolve("latest");
      try {
        Files.deleteIfExists(latest);
        Files.createSymbolicLink(latest, dir.getFileName());
      } catch (IOException | UnsupportedOperationException ignored) {
        // convenience only
      }
      return new LabRunDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the lab run directory under " + labDir, e);
    }
  }

  Path path() {
    return dir;
  }

  /** A line on stderr and in {@code lab.log}, time-stamped. */
  void log(String message) {
    log(dir, message);
  }

  /** As {@link #log(String)}; only stderr when {@code dir} is null (before the directory exists). */
  static void log(Path dir, String message) {
    String line = Instant.now() + " " + message;
    System.err.println("[lab] " + line);
    if (dir != null) {
      try {
        Files.writeString(dir.resolve("lab.log"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException ignored) {
        // diagnostics only
      }
    }
  }

  /** Deletes {@code dir} and everything below it, as far as possible. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
