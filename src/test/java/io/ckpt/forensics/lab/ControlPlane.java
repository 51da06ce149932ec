package io.ckpt.forensics.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

/**
 * The lab's control-plane processes: etcd on loopback and kube-apiserver on the lab network
 * (Node,RBAC authorization, NodeRestriction, the kubelet-client certificate and kubelet CA of
 * {@link LabPki}), started, stopped and restarted with the same data and flags.
 */
final class ControlPlane {

  private final LabOptions options;
  private final LabBinaries binaries;
  private final Path runDir;
  private final LabPki pki;
  private ManagedProcess etcd;
  private ManagedProcess apiServer;
  private int etcdClientPort;

  ControlPlane(LabOptions options, LabBinaries binaries, Path runDir, LabPki pki) {
    this.options = options;
    this.binaries = binaries;
    this.runDir = runDir;
    this.pki = pki;
  }

  String apiServerUrl() {
    return "https://" + LabNetwork.API_SERVER_IP + ":" + options.apiServerPort();
  }

  /** Starts etcd and waits until it listens. */
  void startEtcd() {
    etcdClientPort = LabNetwork.freeLoopbackPort();
    int peerPort = LabNetwork.freeLoopbackPort();
    List<String> command = List.of(
        binaries.etcd().toString(),
        "--name=lab",
        "--data-dir=" + etcdDataDir(),
        "--listen-client-urls=https://127.0.0.1:" + etcdClientPort,
        "--advertise-client-urls=https://127.0.0.1:" + etcdClientPort,
        "--listen-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-cluster=lab=http://127.0.0.1:" + peerPort,
        "--initial-cluster-state=new",
        "--cert-file=" + pki.file("etcd-server.crt"),
        "--key-file=" + pki.file("etcd-server.key"),
        "--trusted-ca-file=" + pki.file("etcd-ca.crt"),
        "--client-cert-auth=true",
        "--unsafe-no-fsync=true",
        "--log-level=warn");
    etcd = new ManagedProcess("etcd", command, runDir.resolve("etcd.log"), runDir);
    etcd.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      etcd.checkAlive();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), etcdClientPort), 500);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("etcd did not listen on 127.0.0.1:" + etcdClientPort + " within 30 s:\n"
              + etcd.tail(30));
        }
        Lab.sleep(50); // polling a port
      }
    }
  }

  /** Starts kube-apiserver (first time or after {@link #stopApiServer()}) and waits until /readyz. */
  void startApiServer() {
    if (apiServer == null) {
      apiServer = new ManagedProcess("kube-apiserver", apiServerCommand(), runDir.resolve("kube-apiserver.log"), runDir);
    }
    apiServer.start();
    awaitApiServerReady(options.startTimeout());
  }

  /** SIGTERM, SIGKILL after 10 s. */
  void stopApiServer() {
    apiServer.stop(Duration.ofSeconds(10));
  }

  boolean isApiServerRunning() {
    return apiServer.isAlive();
  }

  /** Process ids of kube-apiserver and etcd (-1 if not running). */
  Map<String, Long> pids() {
    return Map.of("kube-apiserver", apiServer == null ? -1 : apiServer.pid(), "etcd", etcd == null ? -1 : etcd.pid());
  }

  /** Stops both; etcd's data is deleted unless the options keep it. */
  void stop() {
    if (apiServer != null) {
      apiServer.stop(Duration.ofSeconds(10));
    }
    if (etcd != null) {
      etcd.stop(Duration.ofSeconds(10));
      if (!options.keepEtcdData()) {
        LabRunDirectory.deleteTree(etcdDataDir());
      }
    }
  }

  private Path etcdDataDir() {
    return runDir.resolve("etcd");
  }

  private List<String> apiServerCommand() {
    List<String> c = new ArrayList<>(List.of(
        binaries.kubeApiServer().toString(),
        "--advertise-address=" + LabNetwork.API_SERVER_IP,
        "--bind-address=" + LabNetwork.API_SERVER_IP,
        "--secure-port=" + options.apiServerPort(),
        "--etcd-servers=https://127.0.0.1:" + etcdClientPort,
        "--etcd-cafile=" + pki.file("etcd-ca.crt"),
        "--etcd-certfile=" + pki.file("apiserver-etcd-client.crt"),
        "--etcd-keyfile=" + pki.file("apiserver-etcd-client.key"),
        "--client-ca-file=" + pki.file("ca.crt"),
        "--tls-cert-file=" + pki.file("apiserver.crt"),
        "--tls-private-key-file=" + pki.file("apiserver.key"),
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        "--service-account-issuer=" + Lab.SERVICE_ACCOUNT_ISSUER,
        "--service-account-key-file=" + pki.file("sa.pub"),
        "--service-account-signing-key-file=" + pki.file("sa.key"),
        "--api-audiences=" + Lab.SERVICE_ACCOUNT_ISSUER,
        "--kubelet-client-certificate=" + pki.file("apiserver-kubelet-client.crt"),
        "--kubelet-client-key=" + pki.file("apiserver-kubelet-client.key"),
        "--kubelet-certificate-authority=" + pki.file("kubelet-ca.crt"),
        "--kubelet-preferred-address-types=InternalIP",
        "--service-cluster-ip-range=" + Lab.SERVICE_CLUSTER_IP_RANGE,
        "--allow-privileged=true",
        "--cert-dir=" + runDir.resolve("apiserver-certs"),
        "--profiling=false",
        "--v=2"));
    c.addAll(options.extraApiServerArgs());
    return c;
  }

  private void awaitApiServerReady(Duration timeout) {
    SSLContext tls = Pki.clientContext(pki.clusterCa().cert(), pki.admin());
    HttpClient http = HttpClient.newBuilder()
        .sslContext(tls)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(apiServerUrl() + "/readyz"))
        .timeout(Duration.ofSeconds(5)).GET().build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (true) {
      apiServer.checkAlive();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("kube-apiserver not ready within " + timeout + " (last: " + last + "); log tail:\n"
            + apiServer.tail(40));
      }
      Lab.sleep(200); // polling /readyz
    }
  }
}
