package io.ckpt.forensics.lab;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults a simulated kubelet is told to show, switchable at runtime: per-call {@link KubeletFault}
 * rules, the dump's latency, the ContainerCheckpoint feature gate, a certificate from another CA and
 * a TLS handshake that never completes.
 */
final class FaultPlan {

  private record Rule(KubeletFault fault, String container, AtomicInteger remaining) {}

  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final boolean defaultGate;
  private volatile boolean checkpointGate;
  private volatile Duration latency = Duration.ZERO;
  private volatile boolean rogueCertificate;
  private volatile boolean stallHandshake;

  FaultPlan(boolean checkpointGate) {
    this.defaultGate = checkpointGate;
    this.checkpointGate = checkpointGate;
  }

  /**
   * Applies {@code fault} to calls for {@code container} (null: any container), {@code times} times
   * (negative: until cleared). Rules are checked in order; the first matching one applies.
   */
  void add(KubeletFault fault, String container, int times) {
    rules.add(new Rule(fault, container, new AtomicInteger(times)));
  }

  void clearRules() {
    rules.clear();
  }

  /** The fault for this call to {@code container} (using up one of a counted rule's times), or null. */
  KubeletFault next(String container) {
    for (Rule rule : rules) {
      if (rule.container() != null && !rule.container().equals(container)) {
        continue;
      }
      int left = rule.remaining().get();
      if (left < 0) {
        return rule.fault();
      }
      while (left > 0) {
        if (rule.remaining().compareAndSet(left, left - 1)) {
          return rule.fault();
        }
        left = rule.remaining().get();
      }
    }
    return null;
  }

  /** No rules, no latency, the gate as configured at lab start, own certificate, handshakes answered. */
  void reset() {
    clearRules();
    latency = Duration.ZERO;
    rogueCertificate = false;
    stallHandshake = false;
    checkpointGate = defaultGate;
  }

  boolean checkpointGate() {
    return checkpointGate;
  }

  void checkpointGate(boolean on) {
    checkpointGate = on;
  }

  Duration latency() {
    return latency;
  }

  void latency(Duration d) {
    latency = d == null ? Duration.ZERO : d;
  }

  boolean rogueCertificate() {
    return rogueCertificate;
  }

  /** Sets the switch; true when it changed (open connections must then be dropped). */
  boolean rogueCertificate(boolean on) {
    boolean changed = rogueCertificate != on;
    rogueCertificate = on;
    return changed;
  }

  boolean stallHandshake() {
    return stallHandshake;
  }

  /** Sets the switch; true when it changed (open connections must then be dropped). */
  boolean stallHandshake(boolean on) {
    boolean changed = stallHandshake != on;
    stallHandshake = on;
    return changed;
  }
}
