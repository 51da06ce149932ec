package io.ckpt.forensics.lab;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A small HTTP/1.1 server over TLS on a plain socket, so that a simulated kubelet controls what
 * the real kubelet's Go server would do on the wire: which certificate is served (chosen per
 * connection), client certificates requested but not required, keep-alive, and faults that
 * {@code com.sun.net.httpserver} cannot produce (TCP reset mid-response, no answer, TLS handshake
 * that never completes). Requests are parsed by {@link HttpRequestReader}.
 */
final class KubeletHttpServer {

  /** A parsed request. Header names are lower case; the path is percent-decoded (like Go's URL.Path). */
  record Request(String method, String target, String path, Map<String, List<String>> query,
      Map<String, String> headers, byte[] body, SSLSession session) {

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  enum Kind { NORMAL, HANG, RESET_MID_RESPONSE, RESET_BEFORE_RESPONSE, SLOW_DRIP }

  /** SLOW_DRIP: this many body bytes per interval, and the connection ends after the limit whatever happens. */
  static final int DRIP_BYTES = 2;
  static final Duration DRIP_INTERVAL = Duration.ofMillis(500);
  static final Duration DRIP_LIMIT = Duration.ofSeconds(60);

  record Response(Kind kind, int status, Map<String, String> headers, byte[] body) {

    static Response text(int status, String body) {
      return new Response(Kind.NORMAL, status, Map.of("Content-Type", "text/plain; charset=utf-8"),
          body.getBytes(StandardCharsets.UTF_8));
    }

    static Response of(Kind kind) {
      return new Response(kind, 0, Map.of(), new byte[0]);
    }
  }

  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private final String name;
  private final InetAddress address;
  private final int port;
  private final Supplier<SSLContext> tls;
  private final Supplier<Boolean> stallHandshake;
  private final Function<Request, Response> handler;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger threadIds = new AtomicInteger();
  private volatile ServerSocket server;
  private volatile ExecutorService workers;

  KubeletHttpServer(String name, InetAddress address, int port, Supplier<SSLContext> tls,
      Supplier<Boolean> stallHandshake, Function<Request, Response> handler) {
    this.name = name;
    this.address = address;
    this.port = port;
    this.tls = tls;
    this.stallHandshake = stallHandshake;
    this.handler = handler;
  }

  synchronized void start() throws IOException {
    if (server != null) {
      return;
    }
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(address, port), 256);
    workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, name + "-conn-" + threadIds.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server = socket;
    Thread acceptor = new Thread(() -> acceptLoop(socket), name + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  synchronized void stop() {
    ServerSocket socket = server;
    server = null;
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
    if (workers != null) {
      workers.shutdownNow();
      workers = null;
    }
  }

  /** Closes every open connection (idle keep-alive ones too), so the next request needs a new handshake. */
  void dropConnections() {
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  boolean isRunning() {
    return server != null;
  }

  private void acceptLoop(ServerSocket socket) {
    while (!socket.isClosed()) {
      Socket raw;
      try {
        raw = socket.accept();
      } catch (IOException e) {
        return;
      }
      open.add(raw);
      ExecutorService pool = workers;
      if (pool == null) {
        closeQuietly(raw);
        return;
      }
      try {
        pool.execute(() -> {
          try {
            serve(raw);
          } finally {
            open.remove(raw);
            closeQuietly(raw);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        closeQuietly(raw);
      }
    }
  }

  private void serve(Socket raw) {
    try {
      raw.setTcpNoDelay(true);
      if (stallHandshake.get()) {
        // accept TCP, never speak TLS: the client's handshake timeout fires
        drainUntilClosed(raw.getInputStream());
        return;
      }
      SSLContext context = tls.get();
      SSLSocket ssl = (SSLSocket) context.getSocketFactory()
          .createSocket(raw, raw.getInetAddress().getHostAddress(), raw.getPort(), true);
      ssl.setUseClientMode(false);
      SSLParameters params = ssl.getSSLParameters();
      params.setWantClientAuth(true);
      ssl.setSSLParameters(params);
      raw.setSoTimeout(30_000);
      ssl.startHandshake();
      InputStream in = new BufferedInputStream(ssl.getInputStream());
      OutputStream out = new BufferedOutputStream(ssl.getOutputStream());
      while (true) {
        raw.setSoTimeout(120_000);
        Request request;
        try {
          request = HttpRequestReader.read(in, ssl.getSession());
        } catch (HttpRequestReader.BadRequest e) {
          write(out, Response.text(400, "400 Bad Request"), true);
          return;
        }
        if (request == null) {
          return;
        }
        Response response = handler.apply(request);
        switch (response.kind()) {
          case HANG -> {
            raw.setSoTimeout(0);
            drainUntilClosed(in);
            return;
          }
          case RESET_BEFORE_RESPONSE -> {
            reset(raw);
            return;
          }
          case RESET_MID_RESPONSE -> {
            writeHead(out, response, response.body().length);
            out.write(response.body(), 0, response.body().length / 2);
            out.flush();
            reset(raw);
            return;
          }
          case SLOW_DRIP -> {
            writeHead(out, response, response.body().length);
            out.flush();
            drip(out, response.body());
            return;
          }
          case NORMAL -> {
            boolean close = "close".equalsIgnoreCase(request.header("connection"));
            write(out, response, close);
            if (close) {
              return;
            }
          }
          default -> throw new IllegalStateException();
        }
      }
    } catch (IOException e) {
      // TLS failure, client went away, reset: nothing to answer
    }
  }

  /**
   * Writes {@code body} a few bytes at a time. Ends when the body is out, when the client has hung up
   * (a write fails), or at {@link #DRIP_LIMIT}, so no connection thread is left behind.
   */
  private static void drip(OutputStream out, byte[] body) throws IOException {
    long end = System.nanoTime() + DRIP_LIMIT.toNanos();
    for (int sent = 0; sent < body.length && System.nanoTime() < end; sent += DRIP_BYTES) {
      try {
        // the slow drip is the fault being simulated: this sleep is the behaviour, not a wait
        Thread.sleep(DRIP_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      out.write(body, sent, Math.min(DRIP_BYTES, body.length - sent));
      out.flush();
    }
  }

  private static void reset(Socket raw) throws IOException {
    raw.setSoLinger(true, 0);
    raw.close();
  }

  private static void drainUntilClosed(InputStream in) {
    try {
      byte[] buffer = new byte[4096];
      while (in.read(buffer) >= 0) {
        // discard
      }
    } catch (IOException ignored) {
      // closed or reset by the client, or the server stopped
    }
  }

  private static void writeHead(OutputStream out, Response response, int contentLength) throws IOException {
    StringBuilder head = new StringBuilder();
    head.append("HTTP/1.1 ").append(response.status()).append(' ').append(reason(response.status())).append("\r\n");
    for (Map.Entry<String, String> h : response.headers().entrySet()) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    head.append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
    head.append("Content-Length: ").append(contentLength).append("\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private static void write(OutputStream out, Response response, boolean close) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>(response.headers());
    if (close) {
      headers.put("Connection", "close");
    }
    writeHead(out, new Response(response.kind(), response.status(), headers, response.body()), response.body().length);
    out.write(response.body());
    out.flush();
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 301 -> "Moved Permanently";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 415 -> "Unsupported Media Type";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status " + status;
    };
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
