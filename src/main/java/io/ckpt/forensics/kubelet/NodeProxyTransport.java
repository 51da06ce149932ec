package io.ckpt.forensics.kubelet;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.OkHttpClient;

/**
 * Calls {@code POST /api/v1/nodes/{node}/proxy/checkpoint/{ns}/{pod}/{container}?timeout=N} with the
 * operator's own API server credentials. The API server relays the kubelet's answer unchanged.
 */
public final class NodeProxyTransport implements CheckpointTransport, AutoCloseable {

  private final KubernetesClient client;
  private final String apiRoot;

  /**
   * Builds a client of its own from {@code config}: Fabric8 retries 5xx answers and I/O errors by
   * default, and a retried checkpoint would freeze the container a second time, so this client never
   * retries.
   */
  public NodeProxyTransport(Config config) {
    this(config, 10);
  }

  /**
   * As {@link #NodeProxyTransport(Config)}, for up to {@code maxCalls} calls at once. Every call goes
   * to the one API server host, and Fabric8 allows only 5 requests per host by default: further
   * calls would wait unseen in the HTTP client's queue, so the limits follow {@code maxCalls}.
   */
  public NodeProxyTransport(Config config, int maxCalls) {
    Config noRetry = new ConfigBuilder(config).withRequestRetryBackoffLimit(0)
        .withMaxConcurrentRequests(Math.max(config.getMaxConcurrentRequests(), maxCalls))
        .withMaxConcurrentRequestsPerHost(Math.max(config.getMaxConcurrentRequestsPerHost(), maxCalls)).build();
    this.client = new KubernetesClientBuilder().withConfig(noRetry).withHttpClientFactory(new NoResendFactory()).build();
    String master = client.getMasterUrl().toString();
    this.apiRoot = master.endsWith("/") ? master : master + "/";
  }

  @Override
  public CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target) {
    HttpClient http = client.getHttpClient();
    long waitSeconds = target.answerWaitSeconds();
    HttpRequest request = http.newHttpRequestBuilder()
        .uri(apiRoot + "api/v1/nodes/" + segment(target.node()) + "/proxy/checkpoint/" + segment(target.namespace())
            + "/" + segment(target.pod()) + "/" + segment(target.container()) + "?timeout=" + target.timeoutSeconds())
        .header("Accept", "application/json, */*")
        .post("application/json", new byte[0])
        .timeout(waitSeconds, TimeUnit.SECONDS)
        .build();
    AnswerBody body = new AnswerBody();
    CompletableFuture<CheckpointOutcome> outcome;
    try {
      outcome = http.consumeBytes(request, (buffers, asyncBody) -> {
        if (body.add(buffers)) {
          asyncBody.consume();
        } else {
          asyncBody.cancel();
        }
      }).thenCompose(response -> read(response, body))
          .thenApply(answer -> KubeletAnswerClassifier.classify(answer, target));
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    return outcome
        .orTimeout(waitSeconds + CheckpointTarget.ANSWER_GRACE_SECONDS, TimeUnit.SECONDS)
        .exceptionally(error -> KubeletAnswerClassifier.classifyError(error, target));
  }

  /**
   * Reads the body within {@link KubeletAnswer#BODY_DEADLINE} of the status line. Cancelling the
   * body closes its stream, which ends a slow or oversized answer without reading the rest.
   */
  private static CompletableFuture<KubeletAnswer> read(HttpResponse<AsyncBody> response, AnswerBody body) {
    int status = response.code();
    String contentType = response.header("Content-Type");
    CompletableFuture<Void> done = response.body().done();
    response.body().consume();
    return done.orTimeout(KubeletAnswer.BODY_DEADLINE.toSeconds(), TimeUnit.SECONDS).handle((ok, error) -> {
      if (error == null || body.overLimit()) {
        return body.complete(status, contentType);
      }
      response.body().cancel();
      return error instanceof TimeoutException ? body.tooSlow(status, contentType)
          : body.broken(status, contentType, error);
    });
  }

  private static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public void close() {
    client.close();
  }

  /**
   * OkHttp silently re-sends a request when a connection fails after the request was written (for
   * example when the API server aborts a proxied stream): for a checkpoint that is a second call.
   */
  private static final class NoResendFactory extends OkHttpClientFactory {
    @Override
    protected void additionalConfig(OkHttpClient.Builder builder) {
      builder.retryOnConnectionFailure(false);
    }
  }
}
