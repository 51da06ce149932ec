package io.ckpt.forensics.lab;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;

/**
 * What a simulated node runs for one pod: its containers' states. For the lab's own pods there are
 * no processes; pods run by {@link PodRunner} add the real exit's reason and termination message.
 */
final class PodRuntime {

  enum Phase { WAITING, RUNNING, TERMINATED }

  /** One container's state, as a kubelet would report it. */
  static final class Container {
    private static final SecureRandom RANDOM = new SecureRandom();

    final String name;
    final String image;
    final boolean init;
    volatile Phase phase;
    volatile String id;
    Instant startedAt;
    Instant finishedAt;
    int exitCode;
    int restartCount;
    ContainerState lastState;
    /** Waiting reason and message other than ContainerCreating (e.g. a refused volume). */
    String waitingReason;
    String waitingMessage;
    /** The termination message a real process left (first 4096 bytes of its termination-log file). */
    String terminationMessage;

    Container(String name, String image, boolean init) {
      this.name = name;
      this.image = image;
      this.init = init;
    }

    /** Starts (again): a new container ID. */
    void run() {
      phase = Phase.RUNNING;
      id = newId();
      startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      finishedAt = null;
      exitCode = 0;
    }

    void terminate(int code) {
      if (id == null) {
        id = newId();
        startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      }
      phase = Phase.TERMINATED;
      exitCode = code;
      finishedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    /** The restart a kubelet does: killed if running, lastState kept, restartCount + 1, new ID. */
    void restart() {
      if (phase == Phase.RUNNING) {
        terminate(137);
      }
      lastState = state();
      restartCount++;
      run();
    }

    ContainerState state() {
      return switch (phase) {
        case WAITING -> new ContainerStateBuilder().withNewWaiting()
            .withReason(waitingReason == null ? "ContainerCreating" : waitingReason).withMessage(waitingMessage)
            .endWaiting().build();
        case RUNNING -> new ContainerStateBuilder().withNewRunning().withStartedAt(PodStatusWriter.rfc3339(startedAt))
            .endRunning().build();
        case TERMINATED -> new ContainerStateBuilder().withNewTerminated()
            .withExitCode(exitCode)
            .withReason(exitCode == 0 ? "Completed" : "Error")
            .withStartedAt(PodStatusWriter.rfc3339(startedAt))
            .withFinishedAt(PodStatusWriter.rfc3339(finishedAt))
            .withMessage(terminationMessage)
            .withContainerID("containerd://" + id)
            .endTerminated().build();
      };
    }

    private static String newId() {
      byte[] bytes = new byte[32];
      RANDOM.nextBytes(bytes);
      return HexFormat.of().formatHex(bytes);
    }
  }

  final String uid;
  final Map<String, Container> containers = new LinkedHashMap<>();
  final String podIp;
  final Instant startTime;
  String phaseOverride;
  /** status.reason and status.message of the pod (e.g. DeadlineExceeded), null for none. */
  String reason;
  String message;
  boolean deleting;

  PodRuntime(String uid, String podIp, Instant startTime) {
    this.uid = uid;
    this.podIp = podIp;
    this.startTime = startTime;
  }

  /** A regular (not init) container, for the test controls. */
  Container require(String container) {
    Container c = containers.get(container);
    if (c == null || c.init) {
      throw new IllegalArgumentException("no container " + container);
    }
    return c;
  }

  /**
   * Forces the pod phase: Pending (containers waiting), Running (all containers running),
   * Succeeded (all exited 0) or Failed (all exited 1).
   */
  void forcePhase(String phase) {
    for (Container c : containers.values()) {
      if (c.init) {
        continue;
      }
      switch (phase) {
        case "Pending" -> {
          c.phase = Phase.WAITING;
          c.id = null;
        }
        case "Running" -> {
          if (c.phase != Phase.RUNNING) {
            c.run();
          }
        }
        case "Succeeded" -> c.terminate(0);
        case "Failed" -> c.terminate(1);
        default -> throw new IllegalArgumentException("phase: " + phase);
      }
    }
    phaseOverride = phase;
  }
}
