package io.ckpt.forensics.kubelet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-HTTP peer on loopback that answers every request with the same misbehaviour: a status
 * line and a body, then an end, a body that drips forever, or a TCP reset. For the transports'
 * body reading; the lab's simulated kubelet does the same over TLS for the cluster tests.
 */
final class ScriptedPeer implements AutoCloseable {

  /** What happens after the scripted body bytes. */
  enum Then { END, DRIP, RESET }

  private final ServerSocket server;
  private final AtomicInteger requests = new AtomicInteger();

  ScriptedPeer(int status, String contentType, byte[] body, long contentLength, Then then) throws IOException {
    server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket socket = server.accept()) {
          requests.incrementAndGet();
          answer(socket, status, contentType, body, contentLength, then);
        } catch (IOException closedOrGone) {
          // the client hung up, or the peer was closed
        }
      }
    }, "scripted-peer");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A complete answer. */
  static ScriptedPeer answering(int status, String contentType, byte[] body) throws IOException {
    return new ScriptedPeer(status, contentType, body, body.length, Then.END);
  }

  int port() {
    return server.getLocalPort();
  }

  int requests() {
    return requests.get();
  }

  private static void answer(Socket socket, int status, String contentType, byte[] body, long contentLength, Then then)
      throws IOException {
    InputStream in = socket.getInputStream();
    // the request head ends with an empty line; the checkpoint POST has no body
    for (int matched = 0, b; matched < 4 && (b = in.read()) >= 0; ) {
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
    }
    OutputStream out = socket.getOutputStream();
    out.write(("HTTP/1.1 " + status + " Scripted\r\nContent-Type: " + contentType + "\r\nContent-Length: "
        + contentLength + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
    switch (then) {
      case END -> { }
      case RESET -> socket.setSoLinger(true, 0);
      case DRIP -> {
        // one byte every 200 ms until the client hangs up (the write fails), for at most 60 s: the
        // slow drip is the behaviour under test, so these sleeps stay
        for (int i = 0; i < 300; i++) {
          sleep(200);
          out.write(' ');
          out.flush();
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
