package io.ckpt.forensics.kubelet;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Short-lived tokens of a ServiceAccount that may do nothing but {@code create nodes/checkpoint},
 * requested through the TokenRequest API ({@code create serviceaccounts/token}) and requested again
 * once {@link #REFRESH_AT} of a token's lifetime has passed. The node with the suspect pod is the one
 * most likely compromised: what it can take from a call is this token, valid for minutes and good
 * for checkpoints only, never the operator's own.
 *
 * <p>Audience: none is requested, so the API server issues the token for its own audiences. The
 * kubelet's webhook authentication sends a TokenReview without audiences, which the API server
 * checks against exactly those; a token for a distinct audience ("kubelet") would be refused by
 * every kubelet unless the API server's --api-audiences were changed to include it. The token
 * therefore also authenticates to the API server, where it is worth the same single right.
 */
public final class RequestedToken implements KubeletCredential {

  /** The shortest lifetime the TokenRequest API grants (it refuses less than 10 minutes). */
  public static final Duration LIFETIME = Duration.ofMinutes(10);

  /** The fraction of a token's lifetime after which a new one is requested. */
  static final double REFRESH_AT = 0.8;

  private final KubernetesClient client;
  private final String namespace;
  private final String serviceAccount;
  private final Duration lifetime;
  private final Clock clock;
  private String token;
  private Instant refreshAfter = Instant.MIN;
  private Instant expiresAt = Instant.MIN;
  private String lastError;

  /**
   * @param namespace the ServiceAccount's namespace
   * @param serviceAccount the ServiceAccount whose tokens go to kubelets
   * @param lifetime the requested expirationSeconds (the API server may shorten it)
   * @param clock decides when a token is due for renewal
   */
  public RequestedToken(KubernetesClient client, String namespace, String serviceAccount, Duration lifetime,
      Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  @Override
  public synchronized String current() {
    Instant now = clock.instant();
    if (token != null && now.isBefore(refreshAfter)) {
      return token;
    }
    try {
      TokenRequest answer = client.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
          .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(lifetime.toSeconds())
              .endSpec().build());
      String issued = answer == null || answer.getStatus() == null ? null : answer.getStatus().getToken();
      if (issued == null || issued.isBlank()) {
        lastError = "the API server returned no token";
        token = null;
        return null;
      }
      Instant expires = expiry(answer.getStatus().getExpirationTimestamp(), now.plus(lifetime));
      long validMillis = Math.max(0, Duration.between(now, expires).toMillis());
      refreshAfter = now.plusMillis((long) (validMillis * REFRESH_AT));
      expiresAt = expires;
      token = issued.strip();
      lastError = null;
      return token;
    } catch (KubernetesClientException e) {
      lastError = "HTTP " + e.getCode() + (e.getStatus() == null ? " " + e.getMessage()
          : ": " + e.getStatus().getMessage());
      // a token still within its lifetime beats none while the API server is briefly away
      if (token != null && e.getCode() != 401 && e.getCode() != 403 && now.isBefore(expiresAt)) {
        return token;
      }
      token = null;
      return null;
    }
  }

  private static Instant expiry(String timestamp, Instant fallback) {
    if (timestamp == null || timestamp.isBlank()) {
      return fallback;
    }
    try {
      return Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return fallback;
    }
  }

  @Override
  public synchronized void invalidate() {
    token = null;
    refreshAfter = Instant.MIN;
    expiresAt = Instant.MIN;
  }

  @Override
  public synchronized String source() {
    return "a TokenRequest for ServiceAccount " + namespace + "/" + serviceAccount + " (" + lifetime.toSeconds()
        + " s, the API server's audiences)" + (lastError == null ? "" : "; the last request failed: " + lastError
        + ". The operator needs create on serviceaccounts/token for that ServiceAccount");
  }
}
