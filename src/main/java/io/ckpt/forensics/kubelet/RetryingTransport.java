package io.ckpt.forensics.kubelet;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a checkpoint call again, with bounded exponential backoff, only when its failure is marked
 * {@link CheckpointOutcome.Failure#notSent()}: the request certainly never reached the kubelet
 * (connection refused, the API server unable to dial the kubelet, the API server down). Everything
 * else, above all a CRIU failure, any 4xx, a timeout or a connection lost after sending, is final:
 * a checkpoint freezes the container, and repeating one is a decision for a person.
 */
public final class RetryingTransport implements CheckpointTransport {

  private static final Logger LOG = LoggerFactory.getLogger(RetryingTransport.class);

  private final CheckpointTransport delegate;
  private final RetryPolicy policy;
  private final IntConsumer onRetry;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kubelet-retry");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param onRetry told of every retry (its number), e.g. for a metric
   */
  public RetryingTransport(CheckpointTransport delegate, RetryPolicy policy, IntConsumer onRetry) {
    this.delegate = delegate;
    this.policy = policy;
    this.onRetry = onRetry;
  }

  @Override
  public CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target) {
    CompletableFuture<CheckpointOutcome> result = new CompletableFuture<>();
    attempt(target, 0, result);
    return result;
  }

  private void attempt(CheckpointTarget target, int retries, CompletableFuture<CheckpointOutcome> result) {
    if (result.isDone()) {
      return; // cancelled while waiting
    }
    delegate.checkpoint(target).whenComplete((outcome, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
        return;
      }
      if (outcome instanceof CheckpointOutcome.Failure failure && failure.notSent() && retries < policy.maxRetries()
          && !timer.isShutdown()) {
        int next = retries + 1;
        long waitMillis = policy.backoff(next).toMillis();
        LOG.info("kubelet call not sent, retrying target={} retry={} of {} inMillis={} reason={} message=\"{}\"",
            target, next, policy.maxRetries(), waitMillis, failure.failure().getReason(),
            failure.failure().getMessage());
        onRetry.accept(next);
        try {
          timer.schedule(() -> attempt(target, next, result), waitMillis, TimeUnit.MILLISECONDS);
          return;
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          // fall through: record the failure as it is
        }
      }
      result.complete(outcome.withRetries(retries));
    });
  }

  @Override
  public Optional<String> warning() {
    return delegate.warning();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    delegate.close();
  }
}
