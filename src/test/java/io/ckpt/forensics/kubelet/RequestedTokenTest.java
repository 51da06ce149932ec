package io.ckpt.forensics.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tokens for kubelets come from the TokenRequest API for the checkpointer account, with the API
 * server's audiences and a 10-minute lifetime, and are requested again at 80% of that lifetime.
 */
@EnableKubernetesMockClient
class RequestedTokenTest {

  static final String PATH = "/api/v1/namespaces/forensics/serviceaccounts/fcp-checkpointer/token";
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  KubernetesMockServer server;
  KubernetesClient client;

  /** A clock the test moves by hand. */
  static final class HandClock extends Clock {
    Instant now = T0;

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static String issued(String token, Instant expires) {
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(new TokenRequestBuilder().withNewStatus()
        .withToken(token).withExpirationTimestamp(expires.toString()).endStatus().build());
  }

  @Test
  void requestsAShortLivedTokenForTheCheckpointerAndRenewsItAtFourFifthsOfItsLifetime() throws Exception {
    server.expect().post().withPath(PATH).andReturn(201, issued("first", T0.plusSeconds(600))).once();
    server.expect().post().withPath(PATH).andReturn(201, issued("second", T0.plusSeconds(1080))).once();
    HandClock clock = new HandClock();
    RequestedToken token = new RequestedToken(client, "forensics", "fcp-checkpointer", RequestedToken.LIFETIME,
        clock);

    assertThat(token.current()).isEqualTo("first");
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    String body = request.getBody().readString(StandardCharsets.UTF_8);
    assertThat(body).contains("\"expirationSeconds\":600").doesNotContain("audiences\":[\"");
    assertThat(request.getPath()).isEqualTo(PATH);

    clock.now = T0.plusSeconds(479);
    assertThat(token.current()).as("before 80% of 600 s, the token in hand").isEqualTo("first");
    assertThat(server.getRequestCount()).isEqualTo(1);

    clock.now = T0.plusSeconds(481);
    assertThat(token.current()).as("past 80%, a new token").isEqualTo("second");
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(token.source()).contains("forensics/fcp-checkpointer").doesNotContain("second");
  }

  @Test
  void aRefusedRequestGivesNoTokenAndSaysWhichRightIsMissing() {
    server.expect().post().withPath(PATH).andReturn(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
        + "\"status\":\"Failure\",\"message\":\"serviceaccounts \\\"fcp-checkpointer\\\" is forbidden\","
        + "\"reason\":\"Forbidden\",\"code\":403}").once();
    RequestedToken token = new RequestedToken(client, "forensics", "fcp-checkpointer", RequestedToken.LIFETIME,
        new HandClock());

    assertThat(token.current()).isNull();
    assertThat(token.source()).contains("HTTP 403").contains("create on serviceaccounts/token");
  }

  @Test
  void invalidateRequestsANewTokenAtOnce() {
    server.expect().post().withPath(PATH).andReturn(201, issued("first", T0.plusSeconds(600))).once();
    server.expect().post().withPath(PATH).andReturn(201, issued("second", T0.plusSeconds(600))).once();
    RequestedToken token = new RequestedToken(client, "forensics", "fcp-checkpointer", Duration.ofMinutes(10),
        new HandClock());

    assertThat(token.current()).isEqualTo("first");
    token.invalidate();
    assertThat(token.current()).isEqualTo("second");
  }
}
