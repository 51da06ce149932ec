package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Permits, calls and the sweep, with time moved by hand and deletions decided by the test. */
class CallTrackerTest {

  final ManualTicker ticker = new ManualTicker();
  final Set<String> deleted = new HashSet<>();
  final List<ResourceID> woken = new ArrayList<>();
  final LogLines log = new LogLines(ForensicCheckpointReconciler.class);
  final CallTracker tracker = new CallTracker(new CheckpointScheduler.Limits(10, 1, 10), Duration.ofMillis(1100), ticker,
      (resource, uid) -> !deleted.contains(uid), woken::add,
      new CheckpointNotifier(new CheckpointEvents(null, Clock.systemUTC(), "test", (key, task) -> { }),
          CheckpointMetrics.unscraped(), Clock.systemUTC(), Optional.empty()));

  @AfterEach
  void tearDown() {
    log.close();
  }

  static CheckpointKey key(String name) {
    return new CheckpointKey(new ResourceID(name, "dev"), name + "-uid", "app");
  }

  @Test
  void aCallsDurationRunsFromSendToAnswerOnTheTicker() {
    CompletableFuture<CheckpointOutcome> answer = new CompletableFuture<>();
    tracker.requestPermit(key("a"), "n1", "dev/a/app");
    tracker.started(key("a"), "attempt-1", answer);
    assertThat(tracker.state(key("a"))).isEqualTo(CheckpointPlanner.Call.IN_FLIGHT);

    ticker.advance(Duration.ofMillis(2500));
    answer.complete(new CheckpointOutcome.Success("/a.tar"));
    ticker.advance(Duration.ofSeconds(3));

    assertThat(tracker.state(key("a"))).isEqualTo(CheckpointPlanner.Call.finished(new CheckpointOutcome.Success(
        "/a.tar"), Duration.ofMillis(2500), "attempt-1"));
    assertThat(woken).containsExactly(key("a").resource());
  }

  @Test
  void aPermitGrantedToAnObjectDeletedWhileItWaitedGoesToTheNextAtOnce() {
    CompletableFuture<CheckpointOutcome> first = new CompletableFuture<>();
    tracker.requestPermit(key("a"), "n1", "dev/a/app");
    tracker.started(key("a"), "attempt-1", first);
    tracker.requestPermit(key("gone"), "n1", "dev/gone/app");
    tracker.requestPermit(key("c"), "n1", "dev/c/app");

    deleted.add("gone-uid");
    first.complete(new CheckpointOutcome.Success("/a.tar"));

    assertThat(tracker.state(key("gone"))).isEqualTo(CheckpointPlanner.Call.NONE);
    assertThat(tracker.state(key("c"))).isEqualTo(CheckpointPlanner.Call.GRANTED);
    assertThat(woken).containsExactlyInAnyOrder(key("a").resource(), key("c").resource());
  }

  @Test
  void aResultAfterDeletionIsLoggedWithItsArchiveAndNotKept() {
    CompletableFuture<CheckpointOutcome> answer = new CompletableFuture<>();
    tracker.requestPermit(key("gone"), "n1", "dev/gone/app");
    tracker.started(key("gone"), "attempt-1", answer);

    deleted.add("gone-uid");
    answer.complete(new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/gone.tar"));

    assertThat(tracker.state(key("gone"))).isEqualTo(CheckpointPlanner.Call.NONE);
    assertThat(tracker.callsInFlight()).isZero();
    assertThat(woken).isEmpty();
    assertThat(log.lines()).containsExactly("WARNING kubelet result arrived after the ForensicCheckpoint was deleted"
        + " fcp=dev/gone container=app result=succeeded archivePath=/var/lib/kubelet/checkpoints/gone.tar; the archive"
        + " stays on the node");
  }

  @Test
  void theSweepKeepsTheNodeBusyWhileADeletedObjectsCallStillRuns() {
    CompletableFuture<CheckpointOutcome> answer = new CompletableFuture<>();
    tracker.requestPermit(key("gone"), "n1", "dev/gone/app");
    tracker.started(key("gone"), "attempt-1", answer);
    tracker.requestPermit(key("next"), "n1", "dev/next/app");
    deleted.add("gone-uid");

    tracker.sweep();
    assertThat(tracker.state(key("next"))).as("CRIU still runs on the node").isEqualTo(CheckpointPlanner.Call.WAITING);

    answer.complete(new CheckpointOutcome.Success("/gone.tar"));
    assertThat(tracker.state(key("next"))).isEqualTo(CheckpointPlanner.Call.GRANTED);
  }

  @Test
  void theSweepOffersAnUnwrittenResultAgain() {
    CompletableFuture<CheckpointOutcome> answer = new CompletableFuture<>();
    tracker.requestPermit(key("a"), "n1", "dev/a/app");
    tracker.started(key("a"), "attempt-1", answer);
    answer.complete(new CheckpointOutcome.Success("/a.tar"));
    woken.clear(); // that wake-up's reconcile failed: the API server was away

    tracker.sweep();

    assertThat(woken).containsExactly(key("a").resource());
    tracker.recorded(key("a"));
    woken.clear();
    tracker.sweep();
    assertThat(woken).isEmpty();
  }
}
