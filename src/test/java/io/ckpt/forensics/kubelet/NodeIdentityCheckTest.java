package io.ckpt.forensics.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.lab.Pki;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the cluster CA issues per-node kubelet serving certificates, a certificate that chains to
 * it and names the address is not enough: it must be the called node's own (CN=system:node:name,
 * O=system:nodes), or nothing is sent.
 */
@EnableKubernetesMockClient
class NodeIdentityCheckTest {

  static final CheckpointTarget TARGET = new CheckpointTarget("worker-1", "shop", "web", "app", 30);

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir
  Path dir;

  @Test
  void onlyTheCalledNodesOwnCertificatePasses() {
    Pki.Issued ca = Pki.newCa("cluster-ca");
    assertThat(NodeIdentityCheck.belongsTo(serving(ca, "system:node:worker-1", "system:nodes").cert(), "worker-1"))
        .isTrue();
    assertThat(NodeIdentityCheck.belongsTo(serving(ca, "system:node:worker-2", "system:nodes").cert(), "worker-1"))
        .as("another node's certificate").isFalse();
    assertThat(NodeIdentityCheck.belongsTo(serving(ca, "system:node:worker-1").cert(), "worker-1"))
        .as("without the system:nodes group").isFalse();
    assertThat(NodeIdentityCheck.belongsTo(serving(ca, "system:node:worker-10", "system:nodes").cert(), "worker-1"))
        .as("a name that merely starts alike").isFalse();
  }

  @Test
  void anotherNodesCertificateFromTheSameCaGetsNoRequest() throws Exception {
    Pki.Issued ca = Pki.newCa("cluster-ca");
    Path bundle = Files.writeString(dir.resolve("ca.crt"), ca.certPem());
    KubeletTrust trust = KubeletTrust.fromCaBundle(bundle, "test CA").requiringNodeIdentity("test");

    try (TlsPeer other = new TlsPeer(serving(ca, "system:node:worker-2", "system:nodes"))) {
      CheckpointOutcome outcome = checkpointThrough(other, trust);

      assertThat(outcome).isInstanceOfSatisfying(CheckpointOutcome.Failure.class, f -> {
        assertThat(f.failure().getReason()).isEqualTo(FailureReason.NodeUnreachable);
        assertThat(f.failure().getMessage()).contains("not node worker-1's own").contains("system:node:worker-2")
            .contains("Nothing was sent");
        assertThat(f.gap()).contains(SetupGap.of(SetupGap.Kind.CERTIFICATE_OF_ANOTHER_IDENTITY));
      });
      assertThat(other.requestBytes()).as("no byte of the request, so no token, reached it").isZero();
    }

    try (TlsPeer own = new TlsPeer(serving(ca, "system:node:worker-1", "system:nodes"))) {
      assertThat(checkpointThrough(own, trust)).isEqualTo(new CheckpointOutcome.Success("/x/checkpoint.tar"));
    }
    try (TlsPeer other = new TlsPeer(serving(ca, "system:node:worker-2", "system:nodes"))) {
      assertThat(checkpointThrough(other, KubeletTrust.fromCaBundle(bundle, "test CA")))
          .as("switched off, the CA and the address suffice").isEqualTo(new CheckpointOutcome.Success(
              "/x/checkpoint.tar"));
    }
  }

  private CheckpointOutcome checkpointThrough(TlsPeer peer, KubeletTrust trust) throws Exception {
    Node node = DirectKubeletPiecesTest.node(peer.port(), "InternalIP", "127.0.0.1");
    server.expect().get().withPath("/api/v1/nodes/worker-1").andReturn(200, node).once();
    try (DirectKubeletTransport transport = new DirectKubeletTransport(
        new NodeEndpointResolver(client, List.of("InternalIP")), new BearerToken(null, () -> "secret-token"),
        trust)) {
      return transport.checkpoint(TARGET).get(30, TimeUnit.SECONDS);
    }
  }

  private static Pki.Issued serving(Pki.Issued ca, String commonName, String... organizations) {
    return Pki.issue(ca, commonName, List.of(organizations), true, false, List.of("localhost"),
        List.of(InetAddress.getLoopbackAddress()));
  }

  /** A TLS server with one certificate that answers one request with an archive path and counts what it read. */
  static final class TlsPeer implements AutoCloseable {
    private final SSLServerSocket socket;
    private final CompletableFuture<Integer> read = new CompletableFuture<>();

    TlsPeer(Pki.Issued identity) throws Exception {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(Pki.keyStore(identity), new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, new SecureRandom());
      socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1,
          InetAddress.getLoopbackAddress());
      Thread serve = new Thread(this::serveOne, "tls-peer");
      serve.setDaemon(true);
      serve.start();
    }

    private void serveOne() {
      try (SSLSocket peer = (SSLSocket) socket.accept()) {
        peer.setSoTimeout(10_000);
        InputStream in = peer.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
          for (int b = in.read(); b >= 0; b = in.read()) {
            head.write(b);
            if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
              byte[] body = "{\"items\":[\"/x/checkpoint.tar\"]}".getBytes(StandardCharsets.UTF_8);
              OutputStream out = peer.getOutputStream();
              out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                  + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
              out.write(body);
              out.flush();
              break;
            }
          }
        } catch (java.io.IOException closedByClient) {
          // the client may hang up right after the handshake
        }
        read.complete(head.size());
      } catch (java.io.IOException e) {
        read.complete(-1);
      }
    }

    int port() {
      return socket.getLocalPort();
    }

    int requestBytes() throws Exception {
      return read.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }
}
