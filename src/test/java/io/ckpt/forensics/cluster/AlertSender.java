package io.ckpt.forensics.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.Pki;
import io.ckpt.forensics.operator.AlertsConfig;
import io.ckpt.forensics.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;

/**
 * What an alert pipeline is to the operator's receiver in the lab: a CA and the receiver's certificate
 * and token (files in the lab's run directory, as the chart mounts them), the operator settings naming
 * them, and an HTTPS client that trusts that CA and posts alerts. Used by AlertPolicyIT and the bench.
 */
public final class AlertSender {

  public static final ObjectMapper JSON = new ObjectMapper();
  public static final String SEED_ALERT = "/io/ckpt/forensics/alerts/falco-terminal-shell.json";

  private final String token;
  private final Map<String, String> environment = new HashMap<>();
  private final HttpClient http;
  private URI alerts;

  public AlertSender(Lab lab) {
    token = "alert-token-" + Long.toHexString(System.nanoTime());
    try {
      Pki.Issued ca = Pki.newCa("alerts-ca");
      Pki.Issued server = Pki.issue(ca, "receiver", List.of(), true, false, List.of("localhost"),
          List.of(InetAddress.getByName("127.0.0.1")));
      Path dir = lab.runDir();
      Path cert = Files.writeString(dir.resolve("alerts-tls.crt"), server.certPem());
      Path key = Files.writeString(dir.resolve("alerts-tls.key"), "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(server.key().getEncoded())
          + "\n-----END PRIVATE KEY-----\n");
      Path tokenFile = Files.writeString(dir.resolve("alerts-token"), token + "\n");
      environment.putAll(Map.of(OperatorConfig.HEALTH_PORT, "0", OperatorConfig.DEFAULT_TIMEOUT_SECONDS, "60",
          OperatorConfig.RETRY_BACKOFF_MILLIS, "200"));
      environment.putAll(Map.of(AlertsConfig.ENABLED, "true", AlertsConfig.PORT, "0", AlertsConfig.TLS_CERT_FILE,
          cert.toString(), AlertsConfig.TLS_KEY_FILE, key.toString(), AlertsConfig.TOKEN_FILE, tokenFile.toString(),
          AlertsConfig.MAX_BODY_BYTES, "65536", AlertsConfig.REQUESTS_PER_SECOND, "5000", AlertsConfig.WORKERS, "8"));
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.cert());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Chart values that turn the receiver on (the lab runs no Deployment, so the Secrets need not exist). */
  public static Map<String, Object> chartValues() {
    return Map.of("alerts.enabled", "true", "alerts.tls.secretName", "alerts-tls", "alerts.tokenSecret.name",
        "alerts-token");
  }

  /** Operator settings with the receiver on, on a free port, naming this sender's files. */
  public OperatorConfig operatorConfig() {
    return OperatorConfig.fromEnvironment(environment);
  }

  /** The operator settings of {@link #operatorConfig()}, to add others to. */
  public Map<String, String> environment() {
    return new HashMap<>(environment);
  }

  /** Where to post, once the operator runs. */
  public void receiverPort(int port) {
    alerts = URI.create("https://127.0.0.1:" + port + "/alerts");
  }

  public URI uri() {
    return alerts;
  }

  public String token() {
    return token;
  }

  public HttpClient http() {
    return http;
  }

  public HttpResponse<String> post(byte[] body) throws IOException, InterruptedException {
    return post(body, token);
  }

  /** POST /alerts with {@code bearer} (null: no Authorization header). */
  public HttpResponse<String> post(byte[] body, String bearer) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(alerts).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The first alert's outcome in a 200 answer; "HTTP n" otherwise. */
  public static String outcome(HttpResponse<String> response) throws IOException {
    return response.statusCode() == 200
        ? JSON.readTree(response.body()).get("alerts").get(0).get("outcome").asText()
        : "HTTP " + response.statusCode();
  }

  /** The first seed's Falco alert, byte for byte. */
  public static byte[] seedAlert() {
    try (InputStream in = AlertSender.class.getResourceAsStream(SEED_ALERT)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The seed's alert about another pod: k8s.ns.name and k8s.pod.name replaced, and with
   * {@code containerName} not null its container.id replaced by that container.name (the lab's container
   * IDs are random).
   */
  public static byte[] seedAlertFor(String namespace, String pod, String containerName) {
    String alert = new String(seedAlert(), StandardCharsets.UTF_8).replace("\"dev\"", "\"" + namespace + "\"")
        .replace("\"nettools\"", "\"" + pod + "\"");
    if (containerName != null) {
      alert = alert.replace("\"container.id\":\"0ec4e55bc819\"", "\"container.name\":\"" + containerName + "\"");
    }
    return alert.getBytes(StandardCharsets.UTF_8);
  }

  /** Creates a policy as admin and waits until the operator has seen it (its Ready condition is written). */
  public static CheckpointPolicy createPolicy(Lab lab, String namespace, String name, CheckpointPolicySpec spec) {
    CheckpointPolicy p = new CheckpointPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    p.setSpec(spec);
    lab.adminClient().resources(CheckpointPolicy.class).inNamespace(namespace).resource(p).create();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
      var stored = lab.adminClient().resources(CheckpointPolicy.class).inNamespace(namespace).withName(name).get();
      return stored.getStatus() != null && !stored.getStatus().getConditions().isEmpty();
    });
    return p;
  }
}
