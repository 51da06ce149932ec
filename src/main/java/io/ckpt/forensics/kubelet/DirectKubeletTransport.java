package io.ckpt.forensics.kubelet;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Calls {@code POST https://<node address>:<kubelet port>/checkpoint/{ns}/{pod}/{container}?timeout=N}
 * straight to the node's kubelet with a bearer token from a {@link KubeletCredential}: in a deployed
 * operator a short-lived token of a ServiceAccount that may do nothing but {@code create
 * nodes/checkpoint} ({@link RequestedToken}), never the operator's own. The kubelet authorizes that
 * identity itself; no {@code nodes/proxy} is needed. The Node is read (get nodes) for its address
 * and port before each call.
 */
public final class DirectKubeletTransport implements CheckpointTransport {

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final NodeEndpointResolver resolver;
  private final KubeletCredential token;
  private final KubeletTrust trust;
  private final OkHttpClient base;
  private final ExecutorService lookups;
  private final Map<String, OkHttpClient> perNode = new ConcurrentHashMap<>();

  public DirectKubeletTransport(NodeEndpointResolver resolver, KubeletCredential token, KubeletTrust trust) {
    this.resolver = resolver;
    this.token = token;
    this.trust = trust;
    AtomicInteger threads = new AtomicInteger();
    Dispatcher dispatcher = new Dispatcher(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "kubelet-direct-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    }));
    // the scheduler limits concurrency; the dispatcher must never queue a call behind its own limits
    dispatcher.setMaxRequests(2000);
    dispatcher.setMaxRequestsPerHost(200);
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        // A re-sent checkpoint freezes the container again: OkHttp must never repeat a request by itself.
        .retryOnConnectionFailure(false)
        .followRedirects(false)
        .followSslRedirects(false)
        // HTTP/1.1: one connection per call in flight, so a connection the kubelet breaks ends one call only
        .protocols(List.of(Protocol.HTTP_1_1))
        .connectTimeout(CONNECT_TIMEOUT)
        .sslSocketFactory(trust.context().getSocketFactory(), trust.trustManager());
    if (trust.hostnameVerifier() != null) {
      builder.hostnameVerifier(trust.hostnameVerifier());
    }
    this.base = builder.build();
    this.lookups = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "kubelet-direct-lookup");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target) {
    long waitSeconds = target.answerWaitSeconds();
    CompletableFuture<KubeletEndpoint> endpoint = CompletableFuture.supplyAsync(() -> {
      try {
        return resolver.resolve(target.node());
      } catch (NodeEndpointResolver.Unresolvable e) {
        throw new CompletionException(e);
      }
    }, lookups);
    return endpoint.thenCompose(at -> send(at, target, waitSeconds, false))
        .orTimeout(waitSeconds + CONNECT_TIMEOUT.toSeconds() + CheckpointTarget.ANSWER_GRACE_SECONDS, TimeUnit.SECONDS)
        .exceptionally(error -> {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          if (cause instanceof NodeEndpointResolver.Unresolvable unresolvable) {
            return new CheckpointOutcome.Failure(unresolvable.failure(), unresolvable.isTransient(), 0,
                unresolvable.gap());
          }
          KubeletEndpoint at = endpoint.isDone() && !endpoint.isCompletedExceptionally() ? endpoint.join()
              : new KubeletEndpoint(target.node(), "?", 0, "unknown");
          return KubeletAnswerClassifier.classifyDirectError(cause, target, call(at));
        });
  }

  private CompletableFuture<CheckpointOutcome> send(KubeletEndpoint at, CheckpointTarget target, long waitSeconds,
      boolean reauthenticated) {
    String bearer = token.current();
    if (bearer == null) {
      return CompletableFuture.completedFuture(CheckpointOutcome.Failure.dueTo(
          SetupGap.of(SetupGap.Kind.NO_BEARER_TOKEN), new CheckpointFailure(FailureReason.Forbidden,
              "the direct transport has no bearer token to show the kubelet on node " + target.node() + ": "
                  + token.source() + " gives none", null)));
    }
    Request request = new Request.Builder()
        .url(at.baseUrl() + "/checkpoint/" + segment(target.namespace()) + "/" + segment(target.pod()) + "/"
            + segment(target.container()) + "?timeout=" + target.timeoutSeconds())
        .header("Accept", "application/json, */*")
        .header("Authorization", "Bearer " + bearer)
        .post(RequestBody.create(new byte[0], null))
        .build();
    OkHttpClient client = clientFor(at).newBuilder()
        .readTimeout(Duration.ofSeconds(waitSeconds))
        .callTimeout(Duration.ofSeconds(waitSeconds).plus(CONNECT_TIMEOUT))
        .build();
    CompletableFuture<KubeletAnswer> answer = new CompletableFuture<>();
    Call call = client.newCall(request);
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        answer.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call c, Response response) {
        try (response) {
          answer.complete(read(c, response));
        } catch (RuntimeException e) {
          answer.completeExceptionally(e);
        }
      }
    });
    answer.whenComplete((a, e) -> {
      if (answer.isCancelled()) {
        call.cancel();
      }
    });
    return answer.thenCompose(a -> {
      // 401 comes from authentication, before the kubelet does anything: a rotated token may be sent once more
      if (a.status() == 401 && !reauthenticated) {
        token.invalidate();
        String fresh = token.current();
        if (fresh != null && !fresh.equals(bearer)) {
          return send(at, target, waitSeconds, true);
        }
      }
      return CompletableFuture.completedFuture(KubeletAnswerClassifier.classifyDirect(a, target, call(at)));
    });
  }

  private KubeletAnswerClassifier.DirectCall call(KubeletEndpoint at) {
    return new KubeletAnswerClassifier.DirectCall(at, token.source(), trust.description());
  }

  /** One connection pool per node: idle connections to a node never count against another's. */
  private OkHttpClient clientFor(KubeletEndpoint at) {
    return perNode.computeIfAbsent(at.node(), node -> {
      OkHttpClient.Builder builder = base.newBuilder().connectionPool(new ConnectionPool(4, 2, TimeUnit.MINUTES));
      if (trust.requiresNodeIdentity()) {
        builder.addNetworkInterceptor(new NodeIdentityCheck(node));
      }
      return builder.build();
    });
  }

  /**
   * Reads the body within {@link KubeletAnswer#BODY_DEADLINE} of the status line and at most
   * {@link KubeletAnswer#MAX_BODY_BYTES} of it. Cancelling the call closes the connection, which
   * ends a blocked read at once and keeps OkHttp from draining the rest of a huge body.
   */
  static KubeletAnswer read(Call call, Response response) {
    int status = response.code();
    String contentType = response.header("Content-Type");
    AnswerBody body = new AnswerBody();
    ResponseBody responseBody = response.body();
    if (responseBody == null) {
      return body.complete(status, contentType);
    }
    CompletableFuture<Void> deadline = new CompletableFuture<Void>()
        .orTimeout(KubeletAnswer.BODY_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    deadline.whenComplete((ok, late) -> {
      if (late != null) {
        call.cancel();
      }
    });
    try (InputStream in = responseBody.byteStream()) {
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        if (!body.add(buffer, 0, n)) {
          call.cancel();
          break;
        }
      }
      return body.complete(status, contentType);
    } catch (IOException e) {
      return deadline.isCompletedExceptionally() ? body.tooSlow(status, contentType)
          : body.broken(status, contentType, e);
    } finally {
      deadline.complete(null);
    }
  }

  private static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public Optional<String> warning() {
    return trust.verifying() ? Optional.empty() : Optional.of("the kubelet's serving certificate is not verified"
        + " (" + trust.origin() + "): the operator cannot prove that it sent its token to, and got the archive path"
        + " from, the real kubelet of the node");
  }

  @Override
  public void close() {
    lookups.shutdownNow();
    base.dispatcher().cancelAll();
    base.dispatcher().executorService().shutdownNow();
    perNode.values().forEach(c -> c.connectionPool().evictAll());
    base.connectionPool().evictAll();
  }
}
