package io.ckpt.forensics.operator;

import io.ckpt.forensics.alerts.PolicySelectors;
import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.CheckpointPolicyStatus;
import io.ckpt.forensics.api.Conditions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each policy's counters and writes them to its status at most once per {@code period}: a flood of
 * alerts makes one status write per policy per period, not one per alert. Counters start from what the
 * status held when the policy was first seen, so they survive operator restarts (a restart loses at most
 * the last period's increments).
 */
final class PolicyStatusWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyStatusWriter.class);

  /** What alerts did under one policy; guarded by itself. */
  private static final class Tally {
    CheckpointPolicy policy;
    final CheckpointPolicyStatus status;
    boolean dirty;

    Tally(CheckpointPolicy policy) {
      this.policy = policy;
      CheckpointPolicyStatus seen = policy.getStatus();
      status = new CheckpointPolicyStatus();
      if (seen != null) {
        status.setMatched(seen.getMatched());
        status.setCreated(seen.getCreated());
        status.setDeduplicated(seen.getDeduplicated());
        status.setRateLimited(seen.getRateLimited());
        status.setUnmatched(seen.getUnmatched());
        status.setLastAlertTime(seen.getLastAlertTime());
        status.setLastCheckpoint(seen.getLastCheckpoint());
        status.setLastUnmatchedReason(seen.getLastUnmatchedReason());
        status.setConditions(new ArrayList<>(seen.getConditions()));
        status.setObservedGeneration(seen.getObservedGeneration());
      }
    }
  }

  /** The counters one alert adds to. */
  enum Counter {
    matched, created, deduplicated, rateLimited, unmatched
  }

  private final KubernetesClient client;
  private final Clock clock;
  /** By policy UID: a policy deleted and created again under its name starts from zero. */
  private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
  private final ScheduledExecutorService flusher;

  PolicyStatusWriter(KubernetesClient client, Clock clock, long periodMillis) {
    this.client = client;
    this.clock = clock;
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "policy-status");
      t.setDaemon(true);
      return t;
    });
    flusher.scheduleWithFixedDelay(this::flush, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  /** A policy was added or changed: (re)state its Ready condition. */
  void changed(CheckpointPolicy policy) {
    Tally t = tally(policy);
    synchronized (t) {
      t.policy = policy;
      t.dirty = true;
    }
  }

  void count(CheckpointPolicy policy, Counter counter, String detail) {
    Tally t = tally(policy);
    synchronized (t) {
      CheckpointPolicyStatus s = t.status;
      switch (counter) {
        case matched -> {
          s.setMatched(s.getMatched() + 1);
          s.setLastAlertTime(Conditions.rfc3339(clock));
        }
        case created -> {
          s.setCreated(s.getCreated() + 1);
          s.setLastCheckpoint(detail);
        }
        case deduplicated -> s.setDeduplicated(s.getDeduplicated() + 1);
        case rateLimited -> s.setRateLimited(s.getRateLimited() + 1);
        case unmatched -> {
          s.setUnmatched(s.getUnmatched() + 1);
          s.setLastUnmatchedReason(detail);
        }
        default -> throw new IllegalArgumentException(counter.name());
      }
      t.dirty = true;
    }
  }

  private Tally tally(CheckpointPolicy policy) {
    return tallies.computeIfAbsent(policy.getMetadata().getUid(), uid -> new Tally(policy));
  }

  /** Writes every changed policy's status now (also called on close). */
  void flush() {
    for (Tally t : tallies.values()) {
      CheckpointPolicy body;
      synchronized (t) {
        if (!t.dirty) {
          continue;
        }
        t.dirty = false;
        ready(t);
        body = new CheckpointPolicy();
        body.setMetadata(new ObjectMetaBuilder().withName(t.policy.getMetadata().getName())
            .withNamespace(t.policy.getMetadata().getNamespace()).build());
        body.setStatus(client.getKubernetesSerialization().clone(t.status));
      }
      try {
        client.resources(CheckpointPolicy.class).inNamespace(body.getMetadata().getNamespace()).resource(body)
            .patchStatus();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          tallies.remove(t.policy.getMetadata().getUid());
          continue;
        }
        synchronized (t) {
          t.dirty = true; // written next period
        }
        LOG.warn("policy status not written policy={}/{} code={}", body.getMetadata().getNamespace(),
            body.getMetadata().getName(), e.getCode());
      } catch (RuntimeException e) {
        LOG.warn("policy status not written policy={}/{} error={}", body.getMetadata().getNamespace(),
            body.getMetadata().getName(), e.toString());
      }
    }
  }

  private void ready(Tally t) {
    List<String> problems = PolicySelectors.problems(t.policy.getSpec());
    Long generation = t.policy.getMetadata().getGeneration();
    t.status.setObservedGeneration(generation);
    if (!problems.isEmpty()) {
      Conditions.set(t.status.getConditions(), Conditions.READY, false, "InvalidPolicy", String.join("; ", problems),
          generation, clock);
    } else if (t.policy.getSpec().dryRunOrDefault()) {
      Conditions.set(t.status.getConditions(), Conditions.READY, true, "DryRun",
          "alerts are matched and counted; nothing is created (spec.dryRun)", generation, clock);
    } else {
      Conditions.set(t.status.getConditions(), Conditions.READY, true, "Active",
          "matching alerts create ForensicCheckpoints", generation, clock);
    }
  }

  @Override
  public void close() {
    flusher.shutdown();
    try {
      flusher.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }
}
