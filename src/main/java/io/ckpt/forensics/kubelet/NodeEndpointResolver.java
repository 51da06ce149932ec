package io.ckpt.forensics.kubelet;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.kubelet.SetupGap.Kind;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds a node's kubelet endpoint with one GET of the Node (the operator needs {@code get nodes}):
 * the first address of the preferred types, and the port from status.daemonEndpoints.
 */
public final class NodeEndpointResolver {

  /** The kubelet's default port, used when the Node does not report one. */
  static final int DEFAULT_KUBELET_PORT = 10250;

  private final KubernetesClient client;
  private final List<String> preferredTypes;

  public NodeEndpointResolver(KubernetesClient client, List<String> preferredTypes) {
    this.client = client;
    this.preferredTypes = List.copyOf(preferredTypes);
  }

  /** Thrown when no endpoint can be found; carries the failure to record. */
  public static final class Unresolvable extends Exception {
    private final transient CheckpointFailure failure;
    private final boolean transientFailure;
    private final transient SetupGap gap;

    Unresolvable(CheckpointFailure failure) {
      this(failure, false);
    }

    Unresolvable(CheckpointFailure failure, boolean transientFailure) {
      this(failure, transientFailure, null);
    }

    Unresolvable(SetupGap gap, CheckpointFailure failure) {
      this(failure, false, gap);
    }

    private Unresolvable(CheckpointFailure failure, boolean transientFailure, SetupGap gap) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
      this.transientFailure = transientFailure;
      this.gap = gap;
    }

    public CheckpointFailure failure() {
      return failure;
    }

    /** What in the operator's set-up this points at, if anything. */
    public Optional<SetupGap> gap() {
      return Optional.ofNullable(gap);
    }

    /** The API server could not answer the Node GET (down, 5xx): a read, safe to try again. */
    public boolean isTransient() {
      return transientFailure;
    }
  }

  /** Reads the Node and picks its kubelet endpoint; blocking (one API call). */
  public KubeletEndpoint resolve(String nodeName) throws Unresolvable {
    Node node;
    try {
      node = client.nodes().withName(nodeName).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 401 || e.getCode() == 403) {
        throw new Unresolvable(SetupGap.of(Kind.OPERATOR_CANNOT_GET_NODES), new CheckpointFailure(
            FailureReason.Forbidden, "the operator may not read Node " + nodeName + " (HTTP " + e.getCode()
                + (e.getStatus() == null ? "" : ": " + e.getStatus().getMessage()) + "). The direct transport"
                + " needs get on nodes to find the kubelet's address", e.getCode()));
      }
      throw new Unresolvable(new CheckpointFailure(FailureReason.NodeUnreachable, "could not read Node " + nodeName
          + " to find its kubelet: " + (e.getCode() > 0 ? "HTTP " + e.getCode() + " " : "") + e.getMessage(),
          e.getCode() > 0 ? e.getCode() : null), e.getCode() == 0 || e.getCode() >= 500);
    }
    if (node == null) {
      throw new Unresolvable(new CheckpointFailure(FailureReason.NodeUnreachable, "Node " + nodeName
          + " does not exist any more; its kubelet cannot be reached", 404));
    }
    return pick(node, preferredTypes).orElseThrow(() -> new Unresolvable(SetupGap.of(
        Kind.NO_ADDRESS_OF_PREFERRED_TYPES), new CheckpointFailure(FailureReason.NodeUnreachable, "Node " + nodeName
            + " reports no address of the preferred types " + preferredTypes + " (known: " + describe(node) + ")",
            null)));
  }

  /**
   * The first address of the first preferred type that the node reports, as the API server's proxy
   * picks. The node writes its own status, so the address must be a bare IP literal or DNS name and
   * the port a real one: a compromised node must not be able to steer the call (and the bearer token)
   * to another path, host or userinfo through text spliced into the URL.
   *
   * @throws Unresolvable naming the node and the field when the chosen address or the port is malformed
   */
  static Optional<KubeletEndpoint> pick(Node node, List<String> preferredTypes) throws Unresolvable {
    String name = node.getMetadata().getName();
    var status = node.getStatus();
    List<NodeAddress> addresses = status == null || status.getAddresses() == null ? List.of() : status.getAddresses();
    Integer reported = status == null || status.getDaemonEndpoints() == null
        || status.getDaemonEndpoints().getKubeletEndpoint() == null ? null
        : status.getDaemonEndpoints().getKubeletEndpoint().getPort();
    // 0 is the field's zero value: a node that reports no port; the kubelet then listens on its default
    int port = reported == null || reported == 0 ? DEFAULT_KUBELET_PORT : reported;
    if (port < 1 || port > 65535) {
      throw malformed(name, "status.daemonEndpoints.kubeletEndpoint.Port", String.valueOf(reported),
          "a port from 1 to 65535");
    }
    for (String type : preferredTypes) {
      for (NodeAddress address : addresses) {
        if (type.equals(address.getType()) && address.getAddress() != null && !address.getAddress().isBlank()) {
          String host = address.getAddress().strip();
          if (!KubeletHost.isIpLiteralOrDnsName(host)) {
            throw malformed(name, "status.addresses[type=" + type + "].address", host,
                "an IP address or a DNS name");
          }
          return Optional.of(new KubeletEndpoint(name, host, port, type));
        }
      }
    }
    return Optional.empty();
  }

  private static Unresolvable malformed(String node, String field, String value, String expected) {
    return new Unresolvable(new CheckpointFailure(FailureReason.NodeUnreachable, "Node " + node + " reports "
        + field + " = '" + KubeletAnswerClassifier.trim(value.length() > 200 ? value.substring(0, 200) + "..." : value)
        + "', which is not " + expected + "; the operator does not call a kubelet at an address the node"
        + " wrote in another form (the node may be compromised). Nothing was sent", null));
  }

  private static String describe(Node node) {
    var status = node.getStatus();
    if (status == null || status.getAddresses() == null || status.getAddresses().isEmpty()) {
      return "none";
    }
    return status.getAddresses().stream().map(a -> Objects.toString(a.getType()) + "=" + a.getAddress()).toList()
        .toString();
  }
}
