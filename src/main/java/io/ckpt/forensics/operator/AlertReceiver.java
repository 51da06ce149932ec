package io.ckpt.forensics.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.ckpt.forensics.alerts.Alert;
import io.ckpt.forensics.alerts.AlertBodyParser;
import io.ckpt.forensics.alerts.MalformedAlertException;
import io.ckpt.forensics.operator.AlertIntake.Decision;
import io.ckpt.forensics.operator.AlertIntake.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS endpoint alerts are posted to: {@code POST /alerts} takes Falco's http_output JSON,
 * Falcosidekick's webhook and Alertmanager's webhook alike. Every request is answered and counted
 * (metric {@code fcp_alert_requests_total{answer}}): 401 without a valid token or client certificate,
 * 429 over the request rate, 413 over the body cap (read no further), 400 for a body that is not an
 * alert, and 200 with each alert's outcome otherwise (metric {@code fcp_alerts_total{outcome}}).
 *
 * <p>Why the JDK's {@code com.sun.net.httpserver}: the project has no other HTTP server that takes
 * request bodies (the health port's own server answers GETs only), and this one is small. Its known
 * weakness, connections that never finish their TLS handshake or request holding a worker (the
 * handshake, too, runs on a worker), so that as many stallers as workers delay every sender, is
 * bounded here, not removed, by
 * {@code sun.net.httpserver.maxReqTime}/{@code maxRspTime} (set unless already set; also {@code nodelay}) and by running
 * apart from the health port and the reconciler, so a stalled alert sender cannot stop checkpoints.
 */
final class AlertReceiver implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AlertReceiver.class);
  static final String PATH = "/alerts";
  static final int MAX_REQUEST_SECONDS = 5;

  static {
    // seconds a connection may take to send its request and to read its answer (read once per JVM): an
    // alert is a few KiB sent at once, and a worker waits on a connection that stalls for this long
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", "" + MAX_REQUEST_SECONDS);
    }
    if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
      System.setProperty("sun.net.httpserver.maxRspTime", "" + MAX_REQUEST_SECONDS);
    }
    // the server writes an answer's headers and body separately: with Nagle's algorithm the body then
    // waits for the client's delayed ACK, about 40 ms per request (operator/bench, scenario e)
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final AlertsConfig config;
  private final Handler intake;

  /** What one alert does ({@link AlertIntake#handle} in the operator). */
  @FunctionalInterface
  interface Handler {
    Decision handle(Alert alert);
  }

  private final AlertBodyParser parser;
  private final MeterRegistry registry;
  private final HttpsServer server;
  private final ThreadPoolExecutor workers;
  private final RequestRate rate;
  private final ObjectMapper json = new ObjectMapper();
  private final Timer handling;
  private volatile TokenDigest token;
  private final Map<Outcome, Counter> alertsByOutcome = new EnumMap<>(Outcome.class);
  private final Map<Integer, Counter> requestsByAnswer = new ConcurrentHashMap<>();

  /** The expected token's digest and the file's modification time it was read at. */
  private record TokenDigest(byte[] digest, long modified) {}

  AlertReceiver(AlertsConfig config, Handler intake, MeterRegistry registry) throws IOException {
    this(config, intake, registry, System::nanoTime);
  }

  /** With the clock the request rate refills by: tests freeze it, so a slow machine cannot refill the bucket. */
  AlertReceiver(AlertsConfig config, Handler intake, MeterRegistry registry, java.util.function.LongSupplier nanos)
      throws IOException {
    this.config = config;
    this.intake = intake;
    this.parser = new AlertBodyParser(config.maxBodyBytes());
    this.registry = registry;
    this.rate = new RequestRate(config.requestsPerSecond(), 2L * config.requestsPerSecond(), nanos);
    this.handling = Timer.builder("fcp_alert_request_seconds").description("Time from an alert request's body read"
        + " to its answer, objects created included").publishPercentiles(0.5, 0.99).register(registry);
    for (Outcome o : Outcome.values()) {
      alertsByOutcome.put(o, Counter.builder("fcp_alerts_total").description("Alerts received, by what they did")
          .tag("outcome", o.name()).register(registry));
    }
    if (config.tokenFile() != null) {
      token = readToken(config.tokenFile());
    }
    SSLContext tls = ReceiverTls.context(config.certFile(), config.keyFile(), config.clientCaFile());
    server = HttpsServer.create(new InetSocketAddress(config.port()), 1024);
    server.setHttpsConfigurator(new HttpsConfigurator(tls) {
      @Override
      public void configure(HttpsParameters params) {
        var p = tls.getDefaultSSLParameters();
        p.setWantClientAuth(config.clientCaFile() != null);
        params.setSSLParameters(p);
      }
    });
    workers = new ThreadPoolExecutor(config.workers(), config.workers(), 0, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "alerts");
          t.setDaemon(true);
          return t;
        });
    server.setExecutor(workers);
    server.createContext("/", this::handle);
    server.start();
    LOG.info("alert receiver listening port={} path={} auth={} maxBodyBytes={} requestsPerSecond={}", port(), PATH,
        (config.tokenFile() != null ? "bearer-token" : "") + (config.clientCaFile() != null ? " client-certificate" : ""),
        config.maxBodyBytes(), config.requestsPerSecond());
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!PATH.equals(exchange.getRequestURI().getPath())) {
        answer(exchange, 404, "not found: post alerts to " + PATH);
        return;
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "POST");
        answer(exchange, 405, "only POST");
        return;
      }
      if (!authenticated(exchange)) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        answer(exchange, 401, "a valid bearer token or client certificate is required");
        return;
      }
      if (!rate.take()) {
        exchange.getResponseHeaders().set("Retry-After", "1");
        answer(exchange, 429, "too many alert requests: at most " + config.requestsPerSecond() + " per second");
        return;
      }
      String length = exchange.getRequestHeaders().getFirst("Content-Length");
      if (length != null && length.length() < 12 && length.chars().allMatch(Character::isDigit)
          && Long.parseLong(length) > config.maxBodyBytes()) {
        answer(exchange, 413, "body larger than " + config.maxBodyBytes() + " bytes");
        return;
      }
      byte[] body = readAtMost(exchange.getRequestBody(), config.maxBodyBytes());
      if (body == null) {
        answer(exchange, 413, "body larger than " + config.maxBodyBytes() + " bytes");
        return;
      }
      long start = System.nanoTime();
      List<Alert> alerts;
      try {
        alerts = parser.parse(body);
      } catch (MalformedAlertException e) {
        answer(exchange, 400, e.getMessage());
        return;
      }
      List<Decision> decisions = new ArrayList<>();
      for (Alert alert : alerts) {
        Decision d;
        try {
          d = intake.handle(alert);
        } catch (RuntimeException e) {
          LOG.error("alert handling failed error={}", e.toString());
          d = new Decision(Outcome.Failed, null, null, null, null, "internal error");
        }
        alertsByOutcome.get(d.outcome()).increment();
        decisions.add(d);
      }
      boolean allFailed = !decisions.isEmpty() && decisions.stream().allMatch(d -> d.outcome() == Outcome.Failed);
      answerJson(exchange, allFailed ? 503 : 200, decisions);
      handling.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    } catch (IOException | RuntimeException e) {
      LOG.debug("alert request dropped error={}", e.toString());
    }
  }

  private boolean authenticated(HttpExchange exchange) {
    if (config.clientCaFile() != null && exchange instanceof HttpsExchange https) {
      try {
        if (https.getSSLSession().getPeerCertificates().length > 0) {
          return true; // verified against the client CA by the TLS handshake
        }
      } catch (SSLPeerUnverifiedException noCertificate) {
        // fall through to the token
      }
    }
    TokenDigest expected = currentToken();
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (expected == null || header == null || header.length() > 8192 || !header.regionMatches(true, 0, "Bearer ", 0,
        7)) {
      return false;
    }
    // digests of equal length, compared in constant time: neither the token's length nor its content leaks
    return MessageDigest.isEqual(expected.digest(), sha256(header.substring(7).strip()));
  }

  /** The token, read again when its file changed (the Secret was rotated). */
  private TokenDigest currentToken() {
    TokenDigest current = token;
    if (config.tokenFile() == null) {
      return null;
    }
    try {
      long modified = Files.getLastModifiedTime(config.tokenFile()).toMillis();
      if (current == null || modified != current.modified()) {
        token = readToken(config.tokenFile());
      }
    } catch (IOException e) {
      LOG.warn("alert token file unreadable file={} error={}", config.tokenFile(), e.getClass().getSimpleName());
    }
    return token;
  }

  private static TokenDigest readToken(Path file) throws IOException {
    String value = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (value.isEmpty()) {
      throw new IOException(AlertsConfig.TOKEN_FILE + " (" + file + ") is empty");
    }
    return new TokenDigest(sha256(value), Files.getLastModifiedTime(file).toMillis());
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The body, or null when it is longer than {@code max}. */
  private static byte[] readAtMost(InputStream in, int max) throws IOException {
    byte[] body = in.readNBytes(max + 1);
    return body.length > max ? null : body;
  }

  private void answer(HttpExchange exchange, int status, String message) throws IOException {
    count(status);
    if (status != 400) {
      // answered before the body was read (or not all of it): the connection cannot carry another request,
      // and a client that reused it would find it reset
      exchange.getResponseHeaders().set("Connection", "close");
    }
    ObjectNode node = json.createObjectNode();
    node.put("error", message);
    send(exchange, status, node.toString());
  }

  private void answerJson(HttpExchange exchange, int status, List<Decision> decisions) throws IOException {
    count(status);
    ObjectNode root = json.createObjectNode();
    ArrayNode list = root.putArray("alerts");
    for (Decision d : decisions) {
      ObjectNode n = list.addObject();
      n.put("outcome", d.outcome().name());
      putIf(n, "namespace", d.namespace());
      putIf(n, "pod", d.pod());
      putIf(n, "policy", d.policy());
      putIf(n, "checkpoint", d.checkpoint());
      putIf(n, "reason", d.reason());
    }
    send(exchange, status, root.toString());
  }

  private static void putIf(ObjectNode n, String name, String value) {
    if (value != null) {
      n.put(name, value);
    }
  }

  private void count(int status) {
    // a handful of statuses: looked up once each, not per request
    requestsByAnswer.computeIfAbsent(status, s -> Counter.builder("fcp_alert_requests_total")
        .description("Requests to the alert receiver, by answer status").tag("answer", Integer.toString(s))
        .register(registry)).increment();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(1);
    workers.shutdownNow();
  }
}
