package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.alerts.Alert;
import io.ckpt.forensics.lab.Pki;
import io.ckpt.forensics.operator.AlertIntake.Decision;
import io.ckpt.forensics.operator.AlertIntake.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receiver's HTTP layer on real HTTPS, with a stand-in for what an alert does. */
class AlertReceiverTest {

  @TempDir
  Path dir;
  final List<Alert> handled = new CopyOnWriteArrayList<>();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  AlertReceiver receiver;
  Pki.Issued ca;

  AlertReceiver start(Map<String, String> extra) throws Exception {
    ca = Pki.newCa("test-ca");
    Pki.Issued server = Pki.issue(ca, "receiver", List.of(), true, false, List.of("localhost"),
        List.of(InetAddress.getByName("127.0.0.1")));
    Path cert = Files.writeString(dir.resolve("tls.crt"), server.certPem());
    Path key = Files.writeString(dir.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(server.key().getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
    Map<String, String> env = new java.util.HashMap<>(Map.of(AlertsConfig.ENABLED, "true", AlertsConfig.PORT, "0",
        AlertsConfig.TLS_CERT_FILE, cert.toString(), AlertsConfig.TLS_KEY_FILE, key.toString(),
        AlertsConfig.TOKEN_FILE, token.toString(), AlertsConfig.MAX_BODY_BYTES, "2048"));
    env.putAll(extra);
    receiver = new AlertReceiver(AlertsConfig.fromEnvironment(env), alert -> {
      handled.add(alert);
      return new Decision(Outcome.Created, alert.namespace(), alert.pod(), "p", "p-x", null);
    }, registry, () -> 0L);
    return receiver;
  }

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.close();
    }
  }

  HttpClient client(Pki.Issued identity) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.cert());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (identity != null) {
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(Pki.keyStore(identity), new char[0]);
    }
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
  }

  HttpResponse<String> post(HttpClient client, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + receiver.port() + path))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static final String ALERT = "{\"rule\":\"Terminal shell in container\",\"output_fields\":{\"k8s.ns.name\":\"dev\","
      + "\"k8s.pod.name\":\"nettools\"}}";

  double answered(int status) {
    var c = registry.find("fcp_alert_requests_total").tag("answer", Integer.toString(status)).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void answersEachBadRequestWithoutHandlingIt() throws Exception {
    start(Map.of());
    HttpClient client = client(null);

    assertThat(post(client, "/alerts", ALERT, "Bearer s3cret").statusCode()).isEqualTo(200);
    assertThat(post(client, "/alerts", ALERT, "Bearer wrong").statusCode()).isEqualTo(401);
    assertThat(post(client, "/alerts", ALERT, "bearer s3cret").statusCode()).as("scheme is case-insensitive")
        .isEqualTo(200);
    assertThat(post(client, "/alerts", ALERT, "Basic czNjcmV0").statusCode()).isEqualTo(401);
    assertThat(post(client, "/alerts", ALERT, null).statusCode()).isEqualTo(401);
    assertThat(post(client, "/alerts", "{\"rule\":\"" + "x".repeat(3000) + "\"}", "Bearer s3cret").statusCode())
        .isEqualTo(413);
    HttpResponse<String> broken = post(client, "/alerts", "{\"rule\":", "Bearer s3cret");
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(broken.body()).contains("not valid JSON");
    assertThat(post(client, "/other", ALERT, "Bearer s3cret").statusCode()).isEqualTo(404);

    assertThat(handled).hasSize(2);
    assertThat(answered(401)).isEqualTo(3);
    assertThat(answered(413)).isEqualTo(1);
    assertThat(answered(400)).isEqualTo(1);
    assertThat(registry.find("fcp_alerts_total").tag("outcome", "Created").counter().count()).isEqualTo(2);
  }

  @Test
  void aChunkedBodyOverTheCapIsRefusedToo() throws Exception {
    start(Map.of());
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + receiver.port() + "/alerts"))
        .header("Authorization", "Bearer s3cret").POST(HttpRequest.BodyPublishers.ofInputStream(() ->
            new java.io.ByteArrayInputStream(("{\"rule\":\"" + "x".repeat(5000) + "\"}")
                .getBytes(StandardCharsets.UTF_8)))).build();
    assertThat(client(null).send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(413);
    assertThat(handled).isEmpty();
  }

  @Test
  void refusesRequestsOverTheRate() throws Exception {
    start(Map.of(AlertsConfig.REQUESTS_PER_SECOND, "2"));
    HttpClient client = client(null);
    int ok = 0;
    int limited = 0;
    for (int i = 0; i < 10; i++) {
      int status = post(client, "/alerts", ALERT, "Bearer s3cret").statusCode();
      ok += status == 200 ? 1 : 0;
      limited += status == 429 ? 1 : 0;
    }
    // the receiver's clock stands still: exactly the burst (twice the rate) passes, however slow the machine
    assertThat(ok).as("a burst of twice the rate").isEqualTo(4);
    assertThat(limited).isEqualTo(10 - ok);
    assertThat(answered(429)).isEqualTo(limited);
  }

  @Test
  void aClientCertificateSignedByTheClientCaReplacesTheToken() throws Exception {
    Pki.Issued clientCa = Pki.newCa("falco-clients");
    Path caFile = Files.writeString(dir.resolve("client-ca.crt"), clientCa.certPem());
    start(Map.of(AlertsConfig.CLIENT_CA_FILE, caFile.toString()));
    Pki.Issued falco = Pki.issue(clientCa, "falco", List.of(), false, true, List.of(), List.of());
    Pki.Issued stranger = Pki.issue(Pki.newCa("other"), "falco", List.of(), false, true, List.of(), List.of());

    assertThat(post(client(falco), "/alerts", ALERT, null).statusCode()).isEqualTo(200);
    assertThat(post(client(null), "/alerts", ALERT, null).statusCode()).isEqualTo(401);
    assertThat(post(client(null), "/alerts", ALERT, "Bearer s3cret").statusCode()).isEqualTo(200);
    boolean strangerRefused;
    try {
      strangerRefused = post(client(stranger), "/alerts", ALERT, null).statusCode() == 401;
    } catch (java.io.IOException handshakeRefused) {
      strangerRefused = true;
    }
    assertThat(strangerRefused).as("a certificate of another CA does not authenticate").isTrue();
  }

  /**
   * A sender that stalls holds a worker (the JDK server also does TLS handshakes on them), and with every
   * worker held other senders' connections fail; the bound is the request time limit, after which the
   * staller is dropped and the receiver serves again. (docs/alerts.md, Limits.)
   */
  @Test
  void aStalledRequestIsDroppedAfterTheRequestTimeLimit() throws Exception {
    start(Map.of(AlertsConfig.WORKERS, "1"));
    SSLContext tls = SSLContext.getInstance("TLS");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.cert());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    tls.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket stalled = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", receiver.port())) {
      stalled.startHandshake();
      OutputStream out = stalled.getOutputStream();
      // headers and one byte of a 100-byte body, then nothing
      out.write("POST /alerts HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nAuthorization: Bearer s3cret\r\n\r\n{"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      stalled.setSoTimeout((AlertReceiver.MAX_REQUEST_SECONDS + 3) * 1000);
      long start = System.nanoTime();
      InputStream in = stalled.getInputStream();
      int read;
      try {
        read = in.read();
      } catch (java.io.IOException reset) {
        read = -1;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(read).as("the server closed the stalled connection").isEqualTo(-1);
      assertThat(seconds).isLessThan(AlertReceiver.MAX_REQUEST_SECONDS + 3);
    }
    assertThat(post(client(null), "/alerts", ALERT, "Bearer s3cret").statusCode()).isEqualTo(200);
    assertThat(handled).hasSize(1);
  }
}
