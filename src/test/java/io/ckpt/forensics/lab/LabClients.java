package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;

/**
 * Clients of the lab's API server and their credentials: the admin certificate, certificates for
 * any user and groups, bearer tokens, and kubeconfig files for the real kubectl and the operator.
 * Every client made here is closed with the lab.
 */
final class LabClients implements AutoCloseable {

  private final String apiServerUrl;
  private final LabPki pki;
  private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();

  LabClients(String apiServerUrl, LabPki pki) {
    this.apiServerUrl = apiServerUrl;
    this.pki = pki;
  }

  /** No credentials yet: add them. */
  ConfigBuilder baseConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(apiServerUrl)
        .withCaCertData(Pki.base64(pki.clusterCa().certPem()))
        .withConnectionTimeout(10_000)
        .withRequestTimeout(30_000);
  }

  ConfigBuilder identityConfig(Pki.Issued identity) {
    return baseConfig()
        .withClientCertData(Pki.base64(identity.certPem()))
        .withClientKeyData(Pki.base64(identity.keyPem()))
        .withClientKeyAlgo("EC");
  }

  ConfigBuilder adminConfig() {
    return identityConfig(pki.admin());
  }

  ConfigBuilder tokenConfig(String token) {
    return baseConfig().withOauthToken(token);
  }

  /** A new client (Fabric8 + OkHttp) for {@code config}. */
  KubernetesClient client(Config config) {
    KubernetesClient c = new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new OkHttpClientFactory())
        .build();
    clients.add(c);
    return c;
  }

  KubernetesClient clientWithIdentity(Pki.Issued identity) {
    return client(identityConfig(identity).build());
  }

  /** Writes a kubeconfig (mode 600): admin certificate when {@code token} is null, else the bearer token. */
  Path writeKubeconfig(Path file, String token) {
    Pki.Issued admin = pki.admin();
    String user = token == null
        ? "    client-certificate-data: " + Pki.base64(admin.certPem()) + "\n"
            + "    client-key-data: " + Pki.base64(admin.keyPem()) + "\n"
        : "    token: " + token + "\n";
    String userName = token == null ? Lab.ADMIN_USER : "token";
    String yaml = "apiVersion: v1\nkind: Config\n"
        + "clusters:\n- name: lab\n  cluster:\n    server: " + apiServerUrl + "\n"
        + "    certificate-authority-data: " + Pki.base64(pki.clusterCa().certPem()) + "\n"
        + "users:\n- name: " + userName + "\n  user:\n" + user
        + "contexts:\n- name: lab\n  context:\n    cluster: lab\n    user: " + userName
        + "\n    namespace: default\n"
        + "current-context: lab\n";
    Pki.write(file, yaml);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  @Override
  public void close() {
    for (KubernetesClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing
      }
    }
  }
}
