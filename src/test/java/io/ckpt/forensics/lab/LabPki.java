package io.ckpt.forensics.lab;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

/**
 * The certificates of one lab, in {@code <run>/pki}: the cluster CA (API server, clients, admin), the
 * etcd CA, the CA of the kubelets' serving certificates, a "rogue" CA nobody trusts, the API
 * server's kubelet-client identity and the service-account signing key.
 */
final class LabPki {

  /** A node's identities: its client certificate, its serving certificate, and one from the rogue CA. */
  record NodeIdentities(Pki.Issued client, Pki.Issued serving, Pki.Issued rogueServing) {}

  private final Path dir;
  private final Pki.Issued clusterCa;
  private final Pki.Issued kubeletCa;
  private final Pki.Issued rogueCa;
  private final Pki.Issued admin;

  private LabPki(Path dir, Pki.Issued clusterCa, Pki.Issued kubeletCa, Pki.Issued rogueCa, Pki.Issued admin) {
    this.dir = dir;
    this.clusterCa = clusterCa;
    this.kubeletCa = kubeletCa;
    this.rogueCa = rogueCa;
    this.admin = admin;
  }

  /** Creates every CA, certificate and key the control plane needs, as files under {@code dir}. */
  static LabPki create(Path dir, List<String> apiServerKubeletClientGroups) {
    InetAddress api = LabNetwork.apiServerAddress();
    InetAddress loopback = LabNetwork.address("127.0.0.1");
    Pki.Issued clusterCa = Pki.newCa("lab-kubernetes-ca").writeTo(dir, "ca");
    Pki.Issued etcdCa = Pki.newCa("lab-etcd-ca").writeTo(dir, "etcd-ca");
    Pki.Issued kubeletCa = Pki.newCa("lab-kubelet-ca").writeTo(dir, "kubelet-ca");
    Pki.Issued rogueCa = Pki.newCa("lab-rogue-ca").writeTo(dir, "rogue-ca");
    Pki.issue(etcdCa, "lab-etcd", List.of(), true, true, List.of("localhost"), List.of(loopback))
        .writeTo(dir, "etcd-server");
    Pki.client(etcdCa, "kube-apiserver-etcd-client", List.of()).writeTo(dir, "apiserver-etcd-client");
    Pki.issue(clusterCa, "kube-apiserver", List.of(), true, false,
        List.of("kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
            "localhost"),
        List.of(api, loopback, LabNetwork.address("10.96.0.1"))).writeTo(dir, "apiserver");
    Pki.Issued admin = Pki.client(clusterCa, Lab.ADMIN_USER, List.of("system:masters")).writeTo(dir, "admin");
    Pki.client(clusterCa, Lab.KUBELET_CLIENT_USER, apiServerKubeletClientGroups)
        .writeTo(dir, "apiserver-kubelet-client");
    KeyPair sa = Pki.newKeyPair();
    Pki.write(dir.resolve("sa.pub"), Pki.pem(sa.getPublic()));
    Pki.write(dir.resolve("sa.key"), Pki.privateKeyPem(sa.getPrivate()));
    return new LabPki(dir, clusterCa, kubeletCa, rogueCa, admin);
  }

  /** A file of this PKI, e.g. {@code file("ca.crt")}. */
  Path file(String name) {
    return dir.resolve(name);
  }

  Pki.Issued clusterCa() {
    return clusterCa;
  }

  Pki.Issued kubeletCa() {
    return kubeletCa;
  }

  Pki.Issued admin() {
    return admin;
  }

  /** A client certificate from the cluster CA (user = CN, groups = O). */
  Pki.Issued clientIdentity(String user, List<String> groups) {
    return Pki.client(clusterCa, user, groups);
  }

  /** Identities for node {@code name} at {@code ip}; nothing is written to disk. */
  NodeIdentities forNode(String name, InetAddress ip) {
    Pki.Issued client = clientIdentity("system:node:" + name, List.of("system:nodes"));
    Pki.Issued serving = Pki.issue(kubeletCa, "system:node:" + name, List.of("system:nodes"), true, false,
        List.of(name), List.of(ip));
    Pki.Issued rogue = Pki.issue(rogueCa, "system:node:" + name, List.of("system:nodes"), true, false,
        List.of(name), List.of(ip));
    return new NodeIdentities(client, serving, rogue);
  }

  /** Re-issues the API server's kubelet-client certificate with these O= groups (takes effect at its restart). */
  void reissueApiServerKubeletClient(List<String> groups) {
    Pki.client(clusterCa, Lab.KUBELET_CLIENT_USER, groups).writeTo(dir, "apiserver-kubelet-client");
  }
}
