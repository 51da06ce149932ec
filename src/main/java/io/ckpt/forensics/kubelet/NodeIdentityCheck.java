package io.ckpt.forensics.kubelet;

import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import okhttp3.Handshake;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Refuses to send a request to a kubelet whose serving certificate is not that node's own. Where the
 * cluster CA signs kubelet serving certificates (CSRs of signer kubernetes.io/kubelet-serving, as with
 * serverTLSBootstrap), each names its node: subject CN {@code system:node:<name>}, O
 * {@code system:nodes}. A certificate that chains to the CA and names the dialled address is then
 * not enough: a compromised node could report another node's address, or present its own
 * certificate for an address it took over; only the CN ties the certificate to the node called.
 * Runs as a network interceptor: after the TLS handshake, before a byte of the request is written.
 */
final class NodeIdentityCheck implements Interceptor {

  /** The group every kubelet serving certificate issued by the cluster CA names. */
  static final String NODES_GROUP = "system:nodes";

  private final String node;

  NodeIdentityCheck(String node) {
    this.node = node;
  }

  /** The certificate names another identity than node {@link #node()}; nothing was sent. */
  static final class NotThisNode extends IOException {
    private final String node;
    private final String subject;

    NotThisNode(String node, String subject) {
      super("the serving certificate's subject is " + subject + ", not CN=system:node:" + node + ", O="
          + NODES_GROUP);
      this.node = node;
      this.subject = subject;
    }

    String node() {
      return node;
    }

    String subject() {
      return subject;
    }
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Handshake handshake = chain.connection() == null ? null : chain.connection().handshake();
    List<Certificate> peer = handshake == null ? List.of() : handshake.peerCertificates();
    if (peer.isEmpty() || !(peer.get(0) instanceof X509Certificate leaf)) {
      throw new NotThisNode(node, "(no certificate)");
    }
    if (!belongsTo(leaf, node)) {
      throw new NotThisNode(node, leaf.getSubjectX500Principal().getName());
    }
    return chain.proceed(chain.request());
  }

  /** Whether {@code cert} is node {@code node}'s own kubelet serving certificate. */
  static boolean belongsTo(X509Certificate cert, String node) {
    List<String> commonNames = new ArrayList<>();
    List<String> organizations = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        String value = String.valueOf(rdn.getValue());
        if (rdn.getType().equalsIgnoreCase("CN")) {
          commonNames.add(value);
        } else if (rdn.getType().equalsIgnoreCase("O")) {
          organizations.add(value);
        }
      }
    } catch (InvalidNameException e) {
      return false;
    }
    // exactly one CN: a subject with two must not pass on either
    return commonNames.equals(List.of("system:node:" + node)) && organizations.contains(NODES_GROUP);
  }
}
