package io.ckpt.forensics.kubelet;

/**
 * What in the operator's own set-up a failure points at: a right its identity lacks, a credential,
 * trust or address it does not have. The kubelet layer states the fact; the operator, which knows
 * how it was deployed, says what to change (a chart value, an environment variable).
 *
 * @param kind which gap
 * @param subject what the gap is about, when there is more than the failure's message says: the
 *     identity that lacks the right for {@link Kind#KUBELET_CLIENT_CANNOT_CHECKPOINT}, else empty
 */
public record SetupGap(Kind kind, String subject) {

  /** One gap per kind of remedy. */
  public enum Kind {
    /** The API server refused the operator's identity create on nodes/proxy (node-proxy transport). */
    OPERATOR_CANNOT_PROXY,
    /** The kubelet refused the operator's identity create on nodes/checkpoint (direct transport). */
    OPERATOR_CANNOT_CHECKPOINT,
    /** The kubelet refused the API server's kubelet client create on nodes/checkpoint (node-proxy transport). */
    KUBELET_CLIENT_CANNOT_CHECKPOINT,
    /** The operator may not get the Node it needs for the kubelet's address (direct transport). */
    OPERATOR_CANNOT_GET_NODES,
    /** The Node reports no address of the types the operator prefers (direct transport). */
    NO_ADDRESS_OF_PREFERRED_TYPES,
    /** The kubelet's serving certificate is not signed by a CA the operator trusts (direct transport). */
    KUBELET_CA_NOT_TRUSTED,
    /** The kubelet's serving certificate is not the called node's own, CN=system:node:<name> (direct transport). */
    CERTIFICATE_OF_ANOTHER_IDENTITY,
    /** The kubelet's serving certificate does not name the address dialled (direct transport). */
    ADDRESS_NOT_IN_CERTIFICATE,
    /** The operator has no bearer token to show the kubelet (direct transport). */
    NO_BEARER_TOKEN
  }

  /** A gap about nothing more than its kind. */
  public static SetupGap of(Kind kind) {
    return new SetupGap(kind, "");
  }
}
