package io.ckpt.forensics.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The lab's addresses. Everything lives on {@code lo} of a private network namespace created by
 * {@code operator/lab/in-netns}: the API server on 198.18.0.1, simulated kubelets on
 * 198.18.0.11..60 (the benchmark range 198.18.0.0/15, never routed). Pod IPs reported in pod
 * status are taken from 198.19.0.0/16 and are never contacted.
 */
public final class LabNetwork {

  public static final String API_SERVER_IP = "198.18.0.1";
  /** Node n (1-based) listens on 198.18.0.(10 + n). */
  public static final int FIRST_NODE_HOST = 11;
  public static final int MAX_NODES = 50;
  public static final int KUBELET_PORT = 10250;

  private LabNetwork() {}

  public static InetAddress apiServerAddress() {
    return address(API_SERVER_IP);
  }

  public static InetAddress nodeAddress(int index) {
    if (index < 1 || index > MAX_NODES) {
      throw new IllegalArgumentException("node index must be 1.." + MAX_NODES + ": " + index);
    }
    return address("198.18.0." + (FIRST_NODE_HOST - 1 + index));
  }

  /** A pod IP for status only (198.19.<node>.<n>), never contacted. */
  static String podIp(int nodeIndex, int n) {
    return "198.19." + nodeIndex + "." + (1 + (n % 250));
  }

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  /** Why no lab can run in this JVM, or empty when it can (for {@code nodes} nodes). */
  public static Optional<String> unavailableReason(int nodes) {
    String reason = System.getenv("FCP_LAB_UNAVAILABLE");
    if (reason != null && !reason.isBlank()) {
      return Optional.of(reason);
    }
    if (!isLocal(apiServerAddress())) {
      return Optional.of(API_SERVER_IP + " is not a local address: this JVM does not run inside the lab network"
          + " namespace. Run it through operator/lab/in-netns (failsafe does so via operator/lab/jvm/bin/java).");
    }
    if (nodes > MAX_NODES) {
      return Optional.of("at most " + MAX_NODES + " nodes (simulated and real) are supported, asked for " + nodes);
    }
    for (int i = 1; i <= nodes; i++) {
      if (!isLocal(nodeAddress(i))) {
        return Optional.of(nodeAddress(i).getHostAddress() + " is not a local address in this namespace");
      }
    }
    return Optional.empty();
  }

  static boolean isLocal(InetAddress address) {
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return false;
    }
  }

  /** A free TCP port on 127.0.0.1 (closed again before it is used; the namespace is private). */
  static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on 127.0.0.1", e);
    }
  }
}
