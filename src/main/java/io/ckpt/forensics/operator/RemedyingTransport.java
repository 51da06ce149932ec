package io.ckpt.forensics.operator;

import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.kubelet.CheckpointTarget;
import io.ckpt.forensics.kubelet.CheckpointTransport;
import io.ckpt.forensics.kubelet.SetupGap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Completes each failure that points at a gap in the operator's set-up with the remedy in this
 * operator's own terms: the Helm chart's values and the environment variables of
 * {@link OperatorConfig}. The kubelet layer states which right, address or credential was missing;
 * only the operator knows how it was deployed.
 */
final class RemedyingTransport implements CheckpointTransport {

  private final CheckpointTransport delegate;

  RemedyingTransport(CheckpointTransport delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target) {
    return delegate.checkpoint(target).thenApply(outcome -> withRemedy(outcome, target));
  }

  static CheckpointOutcome withRemedy(CheckpointOutcome outcome, CheckpointTarget target) {
    if (outcome instanceof CheckpointOutcome.Failure failure && failure.gap().isPresent()) {
      return failure.withRemedy(remedy(failure.gap().get(), target));
    }
    return outcome;
  }

  /** The text that follows the kubelet layer's statement of the gap. */
  static String remedy(SetupGap gap, CheckpointTarget target) {
    return switch (gap.kind()) {
      case OPERATOR_CANNOT_PROXY -> " (the Helm chart's ClusterRole grants it)";
      case OPERATOR_CANNOT_CHECKPOINT -> " (with transport=direct the Helm chart grants it to the checkpointer"
          + " ServiceAccount, chart value direct.checkpointer.name, " + OperatorConfig.KUBELET_SERVICE_ACCOUNT
          + "); the kubelet caches a denial for up to 30 s";
      case KUBELET_CLIENT_CANNOT_CHECKPOINT -> "; grant it with the chart value kubeletClientBinding.enabled=true"
          + " (name " + gap.subject() + ")";
      case OPERATOR_CANNOT_GET_NODES -> " (the Helm chart grants it with transport=direct)";
      case NO_ADDRESS_OF_PREFERRED_TYPES -> "; set " + OperatorConfig.NODE_ADDRESS_TYPES_VAR + " (chart value"
          + " direct.nodeAddressTypes) to types your nodes report";
      case KUBELET_CA_NOT_TRUSTED -> ". Put the CA that signs your kubelets' serving certificates into that bundle"
          + " (chart value direct.kubeletCA), or check that this really is node " + target.node() + "'s kubelet";
      case ADDRESS_NOT_IN_CERTIFICATE -> ". Choose an address type the certificate covers ("
          + OperatorConfig.NODE_ADDRESS_TYPES_VAR + ") or reissue kubelet serving certificates with it";
      case CERTIFICATE_OF_ANOTHER_IDENTITY -> ". If your kubelets' serving certificates are not issued per node by"
          + " the cluster CA, set " + OperatorConfig.KUBELET_REQUIRE_NODE_IDENTITY + "=false (chart value"
          + " direct.kubeletCA.requireNodeIdentity)";
      case NO_BEARER_TOKEN -> ". Run the operator with a service account token (automountServiceAccountToken) or"
          + " set " + OperatorConfig.TOKEN_FILE;
    };
  }

  @Override
  public Optional<String> warning() {
    return delegate.warning();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
