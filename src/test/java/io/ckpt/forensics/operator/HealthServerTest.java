package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.operator.BoundedHttpServer.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The health endpoints answer the kubelet's probes in time while other clients stall on purpose. */
class HealthServerTest {

  /** The chart's probe timeout (timeoutSeconds: 3). */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
  /** Loopback connections held open at once: more than the server keeps ({@link Limits#DEFAULT}). */
  static final int STALLERS = 100;

  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void closeSockets() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }

  @Test
  void probesAnswerInTimeWhileManyConnectionsStall() throws Exception {
    String bigMetrics = "m 1\n".repeat(1 << 20); // 4 MiB: more than a socket's buffers hold
    try (HealthServer server = new HealthServer(0, () -> true, () -> false, () -> bigMetrics)) {
      for (int i = 0; i < STALLERS; i++) {
        Socket s = connect(server.port());
        switch (i % 3) {
          case 0 -> { } // sends nothing
          case 1 -> send(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); // headers never finished
          default -> send(s, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); // never reads the answer
        }
      }
      for (int round = 0; round < 3; round++) {
        assertThat(probe(server.port(), "/healthz")).startsWith("HTTP/1.1 200").endsWith("ok\n");
        assertThat(probe(server.port(), "/readyz")).startsWith("HTTP/1.1 503").endsWith("not ready\n");
      }
    }
  }

  @Test
  void aConnectionThatNeverFinishesItsRequestIsClosedAfterTheRequestTimeLimit() throws Exception {
    Limits quick = new Limits(8, 1024, Duration.ofMillis(300), Duration.ofMillis(300), 1, 2);
    try (HealthServer server = new HealthServer(0, quick, () -> true, () -> true, () -> "")) {
      Socket s = connect(server.port());
      send(s, "GET /healthz HTTP/1.1\r\n");
      s.setSoTimeout(3000);
      long start = System.nanoTime();
      assertThat(s.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void answersTheThreeEndpointsAndRefusesTheRest() throws Exception {
    try (HealthServer server = new HealthServer(0, () -> true, () -> true, () -> "fcp_leader 1.0\n")) {
      assertThat(probe(server.port(), "/healthz")).startsWith("HTTP/1.1 200");
      assertThat(probe(server.port(), "/readyz?verbose")).startsWith("HTTP/1.1 200");
      assertThat(probe(server.port(), "/metrics")).startsWith("HTTP/1.1 200")
          .contains("Content-Type: text/plain; version=0.0.4; charset=utf-8").endsWith("fcp_leader 1.0\n");
      assertThat(probe(server.port(), "/secrets")).startsWith("HTTP/1.1 404");
      assertThat(exchange(server.port(), "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
          .startsWith("HTTP/1.1 405");
      String unfinished = "GET /healthz HTTP/1.1\r\nX: ";
      // exactly the server's buffer, so that nothing unread is left when it answers and closes
      assertThat(exchange(server.port(), unfinished + "a".repeat(Limits.DEFAULT.maxRequestBytes()
          - unfinished.length()))).startsWith("HTTP/1.1 431");
    }
  }

  private Socket connect(int port) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) PROBE_TIMEOUT.toMillis());
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** GET like the kubelet's probe: the whole answer within the probe's timeout, or the test fails. */
  private String probe(int port, String path) throws IOException {
    long start = System.nanoTime();
    String answer = exchange(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kube-probe/1.30\r\n\r\n");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("GET %s", path).isLessThan(PROBE_TIMEOUT);
    return answer;
  }

  private String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) PROBE_TIMEOUT.toMillis());
      s.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
      send(s, request);
      InputStream in = s.getInputStream();
      try {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no complete answer within " + PROBE_TIMEOUT + " to " + request.lines().findFirst()
            .orElse(""), e);
      }
    }
  }
}
