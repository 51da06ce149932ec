package io.ckpt.forensics.operator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal HTTP/1.1 server for small GET answers that no client can stall: one thread reads requests
 * and writes answers without blocking, each connection has a time limit for its request and one for its
 * answer, the number of open connections is capped, and each path's answers are computed on its own
 * small bounded pool (so a flood of slow /metrics scrapes cannot delay a liveness probe).
 *
 * <p>Why not the JDK's {@code com.sun.net.httpserver}: it reads a request's headers on the executor's
 * thread with a blocking read and no timeout, so as many stalled connections as it has threads stop it
 * (the kubelet's probes then fail and the operator is restarted, interrupting checkpoints in flight).
 * Its {@code sun.net.httpserver.maxReqTime} is a JVM-wide, undocumented switch, read once per JVM.
 */
final class BoundedHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BoundedHttpServer.class);
  private static final byte[] END_OF_HEADERS = {'\r', '\n', '\r', '\n'};

  /**
   * Bounds of the server.
   *
   * @param maxConnections connections open at once; a new one beyond it evicts the oldest that has not
   *     finished sending its request (a probe sends its request at once, a staller never does)
   * @param maxRequestBytes request line and headers; larger requests get 431
   * @param requestTime from accept until the request's headers are complete
   * @param responseTime from a complete request until the answer is written
   * @param workers threads computing one path's answers
   * @param queued requests of one path waiting for a worker; beyond it the answer is 503
   */
  record Limits(int maxConnections, int maxRequestBytes, Duration requestTime, Duration responseTime, int workers,
      int queued) {
    /** The kubelet's probes time out after 3 s (helm/templates/deployment.yaml); a request gets 2. */
    static final Limits DEFAULT = new Limits(64, 8192, Duration.ofSeconds(2), Duration.ofSeconds(5), 1, 8);
  }

  /** An answer: status, content type, body. */
  record Answer(int status, String contentType, byte[] body) {
    static Answer text(int status, String text) {
      return new Answer(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** One client connection; touched only by the selector thread. */
  private static final class Connection {
    final SocketChannel channel;
    final SelectionKey key;
    final ByteBuffer request;
    ByteBuffer response;
    boolean headOnly;
    boolean reading = true;
    long deadline;

    Connection(SocketChannel channel, SelectionKey key, int maxRequestBytes, long deadline) {
      this.channel = channel;
      this.key = key;
      this.request = ByteBuffer.allocate(maxRequestBytes);
      this.deadline = deadline;
    }
  }

  private final Limits limits;
  /** Path to its answer and the pool computing it. */
  private final Map<String, Route> routes = new HashMap<>();
  private final ServerSocketChannel listener;
  private final Selector selector;
  /** Answers computed by workers, to be written by the selector thread. */
  private final Queue<Runnable> fromWorkers = new ConcurrentLinkedQueue<>();
  /** In accept order, so the first one still reading is the oldest. */
  private final Set<Connection> open = new LinkedHashSet<>();
  private final Thread loop;
  private volatile boolean closing;

  private record Route(Supplier<Answer> answer, ThreadPoolExecutor workers) {}

  /**
   * Listens on all addresses at this port (0: any free port); {@code answers} maps a path to its answer,
   * other paths get 404.
   */
  /** Connections the kernel queues before accept; the kernel caps it at net.core.somaxconn. */
  static final int ACCEPT_BACKLOG = 1024;

  BoundedHttpServer(String name, int port, Limits limits, Map<String, Supplier<Answer>> answers) throws IOException {
    this.limits = limits;
    answers.forEach((path, answer) -> routes.put(path, new Route(answer, new ThreadPoolExecutor(limits.workers(),
        limits.workers(), 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(limits.queued()),
        r -> daemon(r, name + "-" + path.replace("/", ""))))));
    this.selector = Selector.open();
    this.listener = ServerSocketChannel.open();
    // The backlog only holds connections until the I/O thread accepts them (and evicts or closes
    // what is over maxConnections); a short one made a burst of clients, a probe among them, wait
    // for SYN retransmits whenever that thread was slow to run on a busy node.
    listener.bind(new InetSocketAddress(port), ACCEPT_BACKLOG);
    listener.configureBlocking(false);
    listener.register(selector, SelectionKey.OP_ACCEPT);
    this.loop = daemon(this::run, name + "-io");
    loop.start();
  }

  int port() {
    return listener.socket().getLocalPort();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private void run() {
    try {
      while (!closing) {
        selector.select(this::ready, waitMillis());
        Runnable answer;
        while ((answer = fromWorkers.poll()) != null) {
          answer.run();
        }
        expire();
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closing) {
        LOG.error("health server stopped: {}", e.toString());
      }
    } finally {
      new ArrayList<>(open).forEach(this::drop);
    }
  }

  private long waitMillis() {
    long now = System.nanoTime();
    long next = now + TimeUnit.SECONDS.toNanos(1);
    for (Connection c : open) {
      next = Math.min(next, c.deadline);
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
  }

  private void ready(SelectionKey key) {
    if (!key.isValid()) {
      return;
    }
    if (key.isAcceptable()) {
      accept();
      return;
    }
    Connection c = (Connection) key.attachment();
    try {
      if (key.isReadable()) {
        read(c);
      } else if (key.isWritable()) {
        write(c);
      }
    } catch (IOException e) {
      drop(c);
    }
  }

  private void accept() {
    try {
      SocketChannel channel;
      while ((channel = listener.accept()) != null) {
        if (open.size() >= limits.maxConnections() && !evictOldestReader()) {
          channel.close();
          continue;
        }
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        Connection c = new Connection(channel, key, limits.maxRequestBytes(),
            System.nanoTime() + limits.requestTime().toNanos());
        key.attach(c);
        open.add(c);
      }
    } catch (IOException e) {
      LOG.debug("health server accept failed: {}", e.toString());
    }
  }

  private boolean evictOldestReader() {
    for (Connection c : open) {
      if (c.reading) {
        drop(c);
        return true;
      }
    }
    return false;
  }

  private void read(Connection c) throws IOException {
    if (c.channel.read(c.request) < 0) {
      drop(c);
      return;
    }
    int end = indexOf(c.request, END_OF_HEADERS);
    if (end < 0) {
      if (!c.request.hasRemaining()) {
        respond(c, Answer.text(431, "request headers too large\n"));
      }
      return;
    }
    String head = new String(c.request.array(), 0, end, StandardCharsets.ISO_8859_1);
    int lineEnd = head.indexOf("\r\n");
    String[] requestLine = (lineEnd < 0 ? head : head.substring(0, lineEnd)).split(" ", -1);
    c.reading = false;
    c.key.interestOps(0);
    c.deadline = System.nanoTime() + limits.responseTime().toNanos();
    if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
      respond(c, Answer.text(400, "bad request\n"));
      return;
    }
    String method = requestLine[0];
    if (!method.equals("GET") && !method.equals("HEAD")) {
      respond(c, Answer.text(405, "only GET and HEAD\n"));
      return;
    }
    c.headOnly = method.equals("HEAD");
    String target = requestLine[1];
    int query = target.indexOf('?');
    String path = query < 0 ? target : target.substring(0, query);
    Route route = routes.get(path);
    if (route == null) {
      respond(c, Answer.text(404, "not found\n"));
      return;
    }
    try {
      route.workers().execute(() -> {
        Answer answer;
        try {
          answer = route.answer().get();
        } catch (RuntimeException e) {
          LOG.warn("health server: answering {} failed: {}", path, e.toString());
          answer = Answer.text(500, "internal error\n");
        }
        Answer computed = answer;
        fromWorkers.add(() -> respond(c, computed));
        selector.wakeup();
      });
    } catch (RejectedExecutionException e) {
      respond(c, Answer.text(503, "busy\n"));
    }
  }

  private static int indexOf(ByteBuffer buffer, byte[] needle) {
    byte[] a = buffer.array();
    for (int i = 0; i + needle.length <= buffer.position(); i++) {
      int j = 0;
      while (j < needle.length && a[i + j] == needle[j]) {
        j++;
      }
      if (j == needle.length) {
        return i;
      }
    }
    return -1;
  }

  private void respond(Connection c, Answer answer) {
    if (!open.contains(c)) {
      return; // timed out or evicted while the answer was computed
    }
    String head = "HTTP/1.1 " + answer.status() + " " + reason(answer.status()) + "\r\n"
        + "Content-Type: " + answer.contentType() + "\r\n"
        + "Content-Length: " + answer.body().length + "\r\n"
        + "Connection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
    int bodyLength = c.headOnly ? 0 : answer.body().length;
    ByteBuffer response = ByteBuffer.allocate(headBytes.length + bodyLength);
    response.put(headBytes).put(answer.body(), 0, bodyLength).flip();
    c.response = response;
    c.reading = false;
    c.deadline = Math.min(c.deadline, System.nanoTime() + limits.responseTime().toNanos());
    try {
      write(c);
      if (open.contains(c)) {
        c.key.interestOps(SelectionKey.OP_WRITE);
      }
    } catch (IOException e) {
      drop(c);
    }
  }

  private void write(Connection c) throws IOException {
    c.channel.write(c.response);
    if (!c.response.hasRemaining()) {
      c.channel.shutdownOutput();
      drop(c);
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private void expire() {
    long now = System.nanoTime();
    for (Connection c : new ArrayList<>(open)) {
      if (now - c.deadline >= 0) {
        drop(c);
      }
    }
  }

  private void drop(Connection c) {
    open.remove(c);
    c.key.cancel();
    try {
      c.channel.close();
    } catch (IOException e) {
      // closing a connection we give up on: nothing left to do
    }
  }

  @Override
  public void close() {
    closing = true;
    selector.wakeup();
    try {
      loop.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    routes.values().forEach(route -> route.workers().shutdownNow());
    try {
      listener.close();
      selector.close();
    } catch (IOException e) {
      LOG.debug("health server close: {}", e.toString());
    }
  }
}
