package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3-compatible server the evidence-store tests talk to: moto's server (PyPI moto[server], the
 * version pinned in operator/versions.env), installed by operator/provision-s3 and started here on
 * a free loopback port, in memory, stopped by {@link #close()}. Why moto: docs/evidence-stores.md.
 *
 * <p>The executable: system property {@code s3.server}, else env {@value #SERVER_VARIABLE}, which
 * operator/lab/java-in-netns sets from operator/provision-s3 before the cluster-test JVM starts.
 */
public final class S3TestServer implements AutoCloseable {

  public static final String SERVER_VARIABLE = "FCP_S3_SERVER";
  /** moto's switch for checking signatures, after the number of requests it names. */
  public static final String NO_AUTH_COUNT_VARIABLE = "INITIAL_NO_AUTH_ACTION_COUNT";

  private final ManagedProcess process;
  private final URI endpoint;

  private S3TestServer(ManagedProcess process, URI endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /** Why no server can be started here, if none can. */
  public static Optional<String> unavailableReason() {
    String error = System.getenv("FCP_S3_PROVISION_ERROR");
    if (error != null && !error.isBlank()) {
      return Optional.of(error);
    }
    Optional<Path> executable = executable();
    if (executable.isEmpty()) {
      return Optional.of("no S3 test server: " + SERVER_VARIABLE + " is not set (run operator/provision-s3 and set "
          + SERVER_VARIABLE + " to the path it prints; the cluster-test JVM gets it from operator/lab/java-in-netns)");
    }
    if (!Files.isExecutable(executable.get())) {
      return Optional.of("S3 test server " + executable.get() + " is missing or not executable (run operator/provision-s3)");
    }
    return Optional.empty();
  }

  private static Optional<Path> executable() {
    String configured = System.getProperty("s3.server");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(SERVER_VARIABLE);
    }
    return configured == null || configured.isBlank() ? Optional.empty() : Optional.of(Path.of(configured));
  }

  /** Starts a fresh server (empty, in memory) on a free loopback port; its output goes to {@code logDir}. */
  public static S3TestServer start(Path logDir) throws IOException, InterruptedException {
    return start(logDir, Map.of());
  }

  /**
   * The same with moto settings in its environment, such as {@value #NO_AUTH_COUNT_VARIABLE}: after
   * that many requests moto checks every request's SigV4 signature against the access keys of its
   * IAM, and the key's policies.
   */
  public static S3TestServer start(Path logDir, Map<String, String> environment)
      throws IOException, InterruptedException {
    Path executable = executable().orElseThrow(() -> new IllegalStateException(unavailableReason().orElse("")));
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Files.createDirectories(logDir);
    ManagedProcess process = new ManagedProcess("moto_server", List.of(executable.toString(), "-H", "127.0.0.1",
        "-p", Integer.toString(port)), logDir.resolve("moto-" + port + ".log"), logDir, environment);
    process.start();
    S3TestServer server = new S3TestServer(process, URI.create("http://127.0.0.1:" + port));
    try {
      server.awaitReady(Duration.ofSeconds(60));
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      process.checkAlive();
      try {
        HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(5000);
        try (InputStream in = c.getInputStream()) {
          in.readAllBytes();
          return;
        } finally {
          c.disconnect();
        }
      } catch (IOException e) {
        if (Instant.now().isAfter(deadline)) {
          throw new IOException("moto_server did not answer on " + endpoint + " within " + timeout + "; its log:\n"
              + process.tail(40), e);
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * A client with the server's own (bucket owner's) keys: what an attacker or a careless admin
   * holding them could do, and how tests make buckets. The caller closes it.
   */
  public S3Client adminClient() {
    return adminClient(Apache5HttpClient.create());
  }

  /** The same, waiting up to {@code socketTimeout} for an answer: moto takes long over a GiB. */
  public S3Client adminClient(Duration socketTimeout) {
    return adminClient(Apache5HttpClient.builder().socketTimeout(socketTimeout).build());
  }

  private S3Client adminClient(SdkHttpClient http) {
    return S3Client.builder().httpClient(http).region(Region.US_EAST_1)
        .endpointOverride(endpoint()).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("admin", "admin")))
        .build();
  }

  public URI endpoint() {
    return endpoint;
  }

  public Path log() {
    return process.log();
  }

  @Override
  public void close() {
    process.stop(Duration.ofSeconds(5));
  }
}
