package io.ckpt.forensics.lab;

import java.util.function.Consumer;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** The kubelet's authorization [K5, K7]: a SubjectAccessReview for {@code nodes/checkpoint} (or another subresource) on this node. */
final class KubeletAuthorizer {

  /** The SubjectAccessReview's answer. */
  enum Decision { ALLOWED, DENIED, FAILED }

  private final String nodeName;
  private final Supplier<KubernetesClient> nodeClient;
  private final Consumer<String> log;

  KubeletAuthorizer(String nodeName, Supplier<KubernetesClient> nodeClient, Consumer<String> log) {
    this.nodeName = nodeName;
    this.nodeClient = nodeClient;
    this.log = log;
  }

  /** The verb the kubelet derives from the HTTP method. */
  static String verb(String method) {
    return switch (method) {
      case "POST" -> "create";
      case "GET" -> "get";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> "";
    };
  }

  Decision authorize(KubeletUser user, String verb) {
    return authorize(user, verb, "checkpoint");
  }

  /**
   * The kubelet's answer when {@code user} may not use {@code subresource} of this node: 500 when the
   * SubjectAccessReview failed, 403 when it said no, null when allowed.
   */
  KubeletHttpServer.Response refusal(KubeletUser user, String verb, String subresource) {
    return switch (authorize(user, verb, subresource)) {
      case FAILED -> KubeletHttpServer.Response.text(500, "Authorization error (user=" + user.name() + ", verb="
          + verb + ", resource=nodes, subresource=" + subresource + ")");
      case DENIED -> KubeletHttpServer.Response.text(403, "Forbidden (user=" + user.name() + ", verb=" + verb
          + ", resource=nodes, subresource(s)=[" + subresource + "])\n");
      case ALLOWED -> null;
    };
  }

  /** The same for another subresource of the node (the kubelet's proxy for paths it has no own one for). */
  Decision authorize(KubeletUser user, String verb, String subresource) {
    SubjectAccessReview review = new SubjectAccessReviewBuilder()
        .withNewSpec()
        .withUser(user.name())
        .withUid(user.uid() == null || user.uid().isEmpty() ? null : user.uid())
        .withGroups(user.groups())
        .withExtra(user.extra().isEmpty() ? null : user.extra())
        .withNewResourceAttributes()
        .withVerb(verb)
        .withGroup("")
        .withVersion("v1")
        .withResource("nodes")
        .withSubresource(subresource)
        .withName(nodeName)
        .endResourceAttributes()
        .endSpec()
        .build();
    try {
      SubjectAccessReview result = nodeClient.get().authorization().v1().subjectAccessReview().create(review);
      return result.getStatus() != null && Boolean.TRUE.equals(result.getStatus().getAllowed())
          ? Decision.ALLOWED : Decision.DENIED;
    } catch (KubernetesClientException e) {
      log.accept("node " + nodeName + ": SubjectAccessReview failed: " + e.getMessage());
      return Decision.FAILED;
    }
  }
}
