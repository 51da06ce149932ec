package io.ckpt.forensics.export;

import io.ckpt.forensics.lab.LabAvailability;
import io.ckpt.forensics.lab.ProvisionCache;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The distribution project's registry (operator/provision builds its cmd/registry at the version
 * pinned in operator/versions.env), run by a test on a free loopback port with its storage in a
 * directory of the test; stopped by {@link #close()}.
 */
public final class RegistryServer implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path log;

  private RegistryServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts a registry with extra configuration: YAML lines inside {@code storage:} (indented two
   * spaces, for {@code maintenance:}) and at the top level (for {@code auth:}); skips the test with
   * the reason, or fails under FCP_LAB_REQUIRED=true, when the binary has not been built.
   */
  public static RegistryServer start(Path dir, String storageLines, String topLines) throws Exception {
    Files.createDirectories(dir);
    Path binary = binary();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("registry.yml");
    Files.writeString(config, "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: "
        + dir.resolve("storage") + "\n" + storageLines + topLines + "http:\n  addr: 127.0.0.1:" + port + "\n");
    Path log = dir.resolve("registry.log");
    Process process = new ProcessBuilder(binary.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    RegistryServer server = new RegistryServer(process, port, log);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        int status = http.send(HttpRequest.newBuilder(server.url("/v2/")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) {
          return server;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IllegalStateException("the registry did not start; its log:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  /** host:port, as a reference names the registry. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public URI url(String path) {
    return URI.create("http://" + host() + path);
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  /** registry.bin, else the provisioned cache's registry of the pinned version. */
  static Path binary() throws IOException {
    String configured = System.getProperty("registry.bin", System.getenv("FCP_REGISTRY_BIN"));
    Path binary;
    if (configured != null && !configured.isBlank()) {
      binary = Path.of(configured);
    } else {
      Properties v = ProvisionCache.versions();
      // where operator/provision's build() puts it, whether or not the lab's bin directory links it yet
      binary = ProvisionCache.dir()
          .resolve(Path.of("tools", "registry-" + v.getProperty("REGISTRY_VERSION") + "-2", "registry"));
    }
    if (!Files.isExecutable(binary)) {
      String reason = "no executable " + binary + " (run operator/provision, which builds the distribution"
          + " registry from its Go module, or set -Dregistry.bin)";
      LabAvailability.requireOrReport("the registry tests", reason);
      Assumptions.abort(reason);
    }
    return binary;
  }
}
