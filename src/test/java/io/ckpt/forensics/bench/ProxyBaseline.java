package io.ckpt.forensics.bench;

import io.ckpt.forensics.lab.HttpResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.SimulatedNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the kubelet calls of a scenario cost without the operator: the same checkpoint calls (same
 * pods and containers on the same nodes) made by a plain client through the API server's node proxy,
 * {@code POST /api/v1/nodes/NODE/proxy/checkpoint/NS/POD/CONTAINER}, one call per node at a time like
 * the operator's per-node limit, every node at once. It is the floor the operator's makespan is
 * compared with: the proxy hop, the kubelet's authorization (its SubjectAccessReview) and the call
 * itself, but no object, watch, status write or Event.
 */
final class ProxyBaseline {

  /** Seconds the kubelet may take per call ({@code ?timeout=}), as the bench gives the operator. */
  static final int CALL_TIMEOUT_SECONDS = 60;

  /** The run: first call sent to last answer, calls made, those not answered 200, most at once on one node. */
  record Result(Duration makespan, int calls, int failed, int maxAtOnceOnANode, String firstFailure) {
  }

  private ProxyBaseline() {
  }

  /**
   * Calls container {@code container} of every pod in {@code podsByNode} (node name to pods, in order),
   * one thread per node. Bounded: one call per pod, each waits at most its timeout, all together at
   * most {@code limit}.
   */
  static Result run(Lab lab, KubernetesClient client, String namespace, String container,
      Map<String, List<String>> podsByNode, Duration limit) throws Exception {
    for (String node : podsByNode.keySet()) {
      lab.node(node).clearCalls(); // resets the node's most-at-once count
    }
    ExecutorService perNode = Executors.newFixedThreadPool(podsByNode.size());
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong lastAnswer = new AtomicLong();
    StringBuilder firstFailure = new StringBuilder();
    long start = System.nanoTime();
    try {
      List<Future<?>> nodes = new ArrayList<>();
      podsByNode.forEach((node, pods) -> nodes.add(perNode.submit(() -> {
        for (String pod : pods) {
          HttpResult answer;
          try {
            answer = lab.proxyCheckpoint(client, node, namespace, pod, container, CALL_TIMEOUT_SECONDS);
          } catch (RuntimeException e) {
            answer = new HttpResult(-1, null, e.toString());
          }
          lastAnswer.accumulateAndGet(System.nanoTime(), Math::max);
          calls.incrementAndGet();
          if (answer.status() != 200) {
            failed.incrementAndGet();
            synchronized (firstFailure) {
              if (firstFailure.isEmpty()) {
                firstFailure.append(node).append('/').append(pod).append(": ").append(answer);
              }
            }
          }
        }
      })));
      long deadline = System.nanoTime() + limit.toNanos();
      for (Future<?> node : nodes) {
        node.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } finally {
      perNode.shutdownNow();
    }
    int maxAtOnce = podsByNode.keySet().stream().map(lab::node).mapToInt(SimulatedNode::maxConcurrentCheckpoints)
        .max().orElse(0);
    return new Result(Duration.ofNanos(lastAnswer.get() - start), calls.get(), failed.get(), maxAtOnce,
        firstFailure.toString());
  }
}
