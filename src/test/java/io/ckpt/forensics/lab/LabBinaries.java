package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where kube-apiserver, kubectl, etcd and checkpointctl are: system property {@code lab.bin}, env
 * {@code FCP_LAB_BIN}, else the last stdout line of {@code operator/provision} (run here; it needs the
 * network the first time, so operator/lab/java-in-netns runs it before entering the namespace).
 */
public record LabBinaries(Path dir) {

  public Path kubeApiServer() {
    return dir.resolve("kube-apiserver");
  }

  public Path kubectl() {
    return dir.resolve("kubectl");
  }

  public Path etcd() {
    return dir.resolve("etcd");
  }

  /** The lab's real-kubelet node program (operator/lab/real-kubelet), built by operator/provision. */
  public Path realKubelet() {
    return dir.resolve("real-kubelet");
  }

  public Path checkpointctl() {
    return dir.resolve("checkpointctl");
  }

  public static LabBinaries locate(Path projectRoot) {
    String configured = System.getProperty("lab.bin");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("FCP_LAB_BIN");
    }
    Path dir;
    if (configured != null && !configured.isBlank()) {
      dir = Path.of(configured);
    } else {
      String error = System.getenv("FCP_LAB_PROVISION_ERROR");
      if (error != null && !error.isBlank()) {
        throw new IllegalStateException("lab binaries are missing: " + error);
      }
      dir = provision(projectRoot);
    }
    LabBinaries binaries = new LabBinaries(dir.toAbsolutePath());
    for (Path p : List.of(binaries.kubeApiServer(), binaries.kubectl(), binaries.etcd())) {
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException("lab binary missing or not executable: " + p
            + " (run operator/provision, or set -Dlab.bin / FCP_LAB_BIN)");
      }
    }
    return binaries;
  }

  private static Path provision(Path projectRoot) {
    Path script = projectRoot.resolve("operator/provision");
    try {
      Path log = Files.createTempFile("fcp-provision", ".log");
      Process process = new ProcessBuilder(script.toString())
          .directory(projectRoot.toFile())
          .redirectError(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException("operator/provision failed; its log:\n" + Files.readString(log));
      }
      String[] lines = out.strip().split("\n");
      return Path.of(lines[lines.length - 1].strip());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while provisioning", e);
    }
  }

  /** The project root: system property {@code project.root}, env FCP_PROJECT_ROOT, else upwards from the cwd. */
  public static Path projectRoot() {
    String configured = System.getProperty("project.root");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("FCP_PROJECT_ROOT");
    }
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("pom.xml")) && Files.exists(p.resolve("operator/provision"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the project root; set -Dproject.root");
  }
}
