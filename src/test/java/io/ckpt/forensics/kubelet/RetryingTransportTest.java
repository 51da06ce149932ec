package io.ckpt.forensics.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which failures are sent again, how often and after how long. */
class RetryingTransportTest {

  static final CheckpointTarget TARGET = new CheckpointTarget("worker-1", "shop", "web", "app", 60);
  static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(80));

  static CheckpointOutcome refused() {
    return CheckpointOutcome.Failure.notSent(new CheckpointFailure(FailureReason.NodeUnreachable,
        "error trying to reach service: dial tcp 10.0.0.5:10250: connect: connection refused", 503));
  }

  static CheckpointOutcome finalFailure(FailureReason reason, Integer status) {
    return new CheckpointOutcome.Failure(new CheckpointFailure(reason, "final", status));
  }

  /** Answers from a script, one per call, and counts the calls. */
  static final class Script implements CheckpointTransport {
    final Deque<CheckpointOutcome> answers;
    final List<Long> callTimes = new CopyOnWriteArrayList<>();

    Script(CheckpointOutcome... answers) {
      this.answers = new ArrayDeque<>(List.of(answers));
    }

    @Override
    public synchronized CompletableFuture<CheckpointOutcome> checkpoint(CheckpointTarget target) {
      callTimes.add(System.nanoTime());
      return CompletableFuture.completedFuture(answers.size() > 1 ? answers.poll() : answers.peek());
    }
  }

  @Test
  void aCallThatNeverReachedTheKubeletIsSentAgainWithGrowingBackoff() throws Exception {
    Script script = new Script(refused(), refused(), new CheckpointOutcome.Success("/a.tar"));
    List<Integer> retries = new ArrayList<>();
    RetryingTransport transport = new RetryingTransport(script, FAST, retries::add);

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(5, TimeUnit.SECONDS);

    assertThat(outcome).isEqualTo(new CheckpointOutcome.Success("/a.tar", 2));
    assertThat(retries).containsExactly(1, 2);
    assertThat(script.callTimes).hasSize(3);
    long first = script.callTimes.get(1) - script.callTimes.get(0);
    long second = script.callTimes.get(2) - script.callTimes.get(1);
    assertThat(TimeUnit.NANOSECONDS.toMillis(first)).isGreaterThanOrEqualTo(20);
    assertThat(TimeUnit.NANOSECONDS.toMillis(second)).isGreaterThanOrEqualTo(40);
    transport.close();
  }

  @Test
  void retriesAreBounded() throws Exception {
    Script script = new Script(refused());
    RetryingTransport transport = new RetryingTransport(script, FAST, retry -> { });

    CheckpointOutcome outcome = transport.checkpoint(TARGET).get(5, TimeUnit.SECONDS);

    assertThat(script.callTimes).hasSize(4);
    assertThat(outcome.retries()).isEqualTo(3);
    assertThat(((CheckpointOutcome.Failure) outcome).failure().getReason()).isEqualTo(FailureReason.NodeUnreachable);
    transport.close();
  }

  @Test
  void everythingThatMayHaveReachedTheKubeletIsFinal() throws Exception {
    for (CheckpointOutcome answer : List.of(finalFailure(FailureReason.CRIUFailed, 500), finalFailure(FailureReason.Timeout, null),
        finalFailure(FailureReason.Forbidden, 403), finalFailure(FailureReason.NodeUnreachable, 503),
        finalFailure(FailureReason.PodNotFound, 404))) {
      Script script = new Script(answer, new CheckpointOutcome.Success("/never.tar"));
      RetryingTransport transport = new RetryingTransport(script, FAST, retry -> { });

      assertThat(transport.checkpoint(TARGET).get(5, TimeUnit.SECONDS)).isEqualTo(answer);
      assertThat(script.callTimes).as(answer.toString()).hasSize(1);
      transport.close();
    }
  }

  @Test
  void backoffDoublesUpToItsCap() {
    RetryPolicy policy = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(8));

    assertThat(List.of(1, 2, 3, 4, 5)).extracting(policy::backoff).containsExactly(Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(8));
  }

  @Test
  void theClassifierMarksOnlyFailuresBeforeTheKubeletAsNotSent() {
    assertThat(notSent(503, "error trying to reach service: dial tcp 10.0.0.5:10250: connect: connection refused"))
        .isTrue();
    assertThat(notSent(502, "error trying to reach service: dial tcp 10.0.0.5:10250: connect: no route to host"))
        .isTrue();
    assertThat(notSent(503, "error trying to reach service: dial tcp 10.0.0.5:10250: i/o timeout"))
        .as("timeouts are never retried").isFalse();
    assertThat(notSent(503, "error trying to reach service: EOF")).as("may have reached the kubelet").isFalse();
    assertThat(notSent(503, "error trying to reach service: read tcp 1.2.3.4:5->10.0.0.5:10250: connection reset"
        + " by peer")).isFalse();
    assertThat(notSent(500, "no preferred addresses found; known addresses: []")).isFalse();

    CheckpointOutcome refusedByApiServer = KubeletAnswerClassifier.classifyError(
        new java.net.ConnectException("Failed to connect to /198.18.0.1:6443"), TARGET);
    assertThat(((CheckpointOutcome.Failure) refusedByApiServer).notSent()).isTrue();
    CheckpointOutcome reset = KubeletAnswerClassifier.classifyError(
        new java.net.SocketException("Connection reset"), TARGET);
    assertThat(((CheckpointOutcome.Failure) reset).notSent()).isFalse();
    CheckpointOutcome kubelet500 = KubeletAnswerClassifier.classify(new KubeletAnswer(500, "text/plain",
        "checkpointing of shop/web/app failed (rpc error: code = Unknown desc = checkpoint/restore support not"
            + " available)"), TARGET);
    assertThat(((CheckpointOutcome.Failure) kubelet500).notSent()).isFalse();
  }

  private static boolean notSent(int status, String message) {
    String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"" + message
        + "\",\"reason\":\"ServiceUnavailable\",\"code\":" + status + "}";
    CheckpointOutcome outcome = KubeletAnswerClassifier.classify(new KubeletAnswer(status, "application/json", body),
        TARGET);
    return ((CheckpointOutcome.Failure) outcome).notSent();
  }
}
