package io.ckpt.forensics.kubelet;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    BoundedBody body = new BoundedBody();
    CompletableFuture<CheckpointOutcome> outcome;
    try {
      outcome = http.consumeBytes(request, body)
          .thenCompose(response -> {
            response.body().consume();
            return response.body().done().thenApply(done -> KubeletAnswerClassifier.classify(
                new KubeletAnswer(response.code(), response.header("Content-Type"), body.text()), target));
          });
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    return outcome
        .orTimeout(waitSeconds + CheckpointTarget.ANSWER_GRACE_SECONDS, TimeUnit.SECONDS)
        .exceptionally(error -> KubeletAnswerClassifier.classifyError(error, target));
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

  /** Keeps the first {@link KubeletAnswer#MAX_BODY_BYTES} bytes and drops the rest. */
  private static final class BoundedBody implements AsyncBody.Consumer<List<ByteBuffer>> {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void consume(List<ByteBuffer> buffers, AsyncBody asyncBody) {
      for (ByteBuffer buffer : buffers) {
        int room = KubeletAnswer.MAX_BODY_BYTES - bytes.size();
        if (room <= 0) {
          break;
        }
        byte[] chunk = new byte[Math.min(room, buffer.remaining())];
        buffer.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
      asyncBody.consume();
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
