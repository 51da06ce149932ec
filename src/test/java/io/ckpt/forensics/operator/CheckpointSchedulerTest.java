package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointSchedulerTest {

  final List<CheckpointKey> granted = new ArrayList<>();

  static CheckpointScheduler.Request request(String fcp, String node, String target) {
    return new CheckpointScheduler.Request(new CheckpointKey(new ResourceID(fcp, "dev"), fcp + "-uid", "app"), node,
        target);
  }

  /** Asks for a permit; one granted at once is recorded with the announced ones, in order. */
  void ask(CheckpointScheduler scheduler, CheckpointScheduler.Request request) {
    if (scheduler.request(request)) {
      granted.add(request.key());
    }
  }

  @Test
  void grantsInArrivalOrderWithinTheNodeLimit() {
    CheckpointScheduler scheduler = limits(10, 1);
    var a = request("a", "n1", "dev/a/app");
    var b = request("b", "n1", "dev/b/app");
    var c = request("c", "n2", "dev/c/app");

    ask(scheduler, a);
    ask(scheduler, b);
    ask(scheduler, c);
    assertThat(granted).containsExactly(a.key(), c.key());

    scheduler.release(a.key());
    assertThat(granted).containsExactly(a.key(), c.key(), b.key());
  }

  @Test
  void globalLimitCountsEveryNode() {
    CheckpointScheduler scheduler = limits(2, 5);
    for (String n : List.of("n1", "n2", "n3")) {
      ask(scheduler, request(n, n, "dev/" + n + "/app"));
    }
    assertThat(granted).hasSize(2);
    assertThat(scheduler.waitingCount()).isEqualTo(1);
  }

  @Test
  void oneCallAtATimePerTargetContainerEvenAcrossObjects() {
    CheckpointScheduler scheduler = limits(10, 10);
    var first = request("first", "n1", "dev/web/app");
    var second = request("second", "n1", "dev/web/app");
    ask(scheduler, first);
    ask(scheduler, second);
    assertThat(granted).containsExactly(first.key());

    scheduler.release(first.key());
    assertThat(granted).containsExactly(first.key(), second.key());
  }

  @Test
  void duplicateRequestsAndUnknownReleasesChangeNothing() {
    CheckpointScheduler scheduler = limits(1, 1);
    var a = request("a", "n1", "dev/a/app");
    ask(scheduler, a);
    ask(scheduler, a);
    scheduler.release(request("x", "n1", "dev/x/app").key());
    assertThat(granted).containsExactly(a.key());
    assertThat(scheduler.grantedCount()).isEqualTo(1);
    assertThat(scheduler.waitingCount()).isZero();
  }

  @Test
  void releaseAllDropsStaleEntriesAndGrantsTheNext() {
    CheckpointScheduler scheduler = limits(1, 1);
    var gone = request("gone", "n1", "dev/gone/app");
    var next = request("next", "n1", "dev/next/app");
    ask(scheduler, gone);
    ask(scheduler, next);

    scheduler.releaseAllUnused(key -> key.uid().startsWith("gone"));

    assertThat(granted).containsExactly(gone.key(), next.key());
  }

  /** The limits alone: no gap between calls to one container, so time never matters. */
  CheckpointScheduler limits(int maxConcurrent, int maxPerNode) {
    return new CheckpointScheduler(maxConcurrent, maxPerNode, Duration.ZERO, new ManualTicker(), granted::add);
  }

  CheckpointScheduler withGap(ManualTicker time) {
    return new CheckpointScheduler(10, 10, Duration.ofMillis(1100), time, granted::add);
  }

  @Test
  void aContainersNextCallWaitsForTheGapWhileOtherContainersGoOn() {
    ManualTicker time = new ManualTicker();
    CheckpointScheduler scheduler = withGap(time);
    var first = request("first", "n1", "dev/web/app");
    var second = request("second", "n1", "dev/web/app");
    var other = request("other", "n1", "dev/db/app");
    ask(scheduler, first);
    ask(scheduler, second);
    scheduler.release(first.key());
    assertThat(granted).as("the same container, in the same second").containsExactly(first.key());

    ask(scheduler, other);
    assertThat(granted).as("another container need not wait").containsExactly(first.key(), other.key());

    time.advance(Duration.ofMillis(1000));
    assertThat(granted).hasSize(2);
    time.advance(Duration.ofMillis(100));
    assertThat(granted).containsExactly(first.key(), other.key(), second.key());
    assertThat(time.pending()).isZero();
  }

  @Test
  void theGapStartsWhenTheCallEndsNotWhenItStarted() {
    ManualTicker time = new ManualTicker();
    CheckpointScheduler scheduler = withGap(time);
    var first = request("first", "n1", "dev/web/app");
    var second = request("second", "n1", "dev/web/app");
    ask(scheduler, first);
    ask(scheduler, second);
    time.advance(Duration.ofSeconds(5));
    scheduler.release(first.key());
    time.advance(Duration.ofMillis(1099));
    assertThat(granted).containsExactly(first.key());
    time.advance(Duration.ofMillis(1));
    assertThat(granted).containsExactly(first.key(), second.key());
  }

  @Test
  void aPermitGivenBackUnusedStartsNoGap() {
    ManualTicker time = new ManualTicker();
    CheckpointScheduler scheduler = withGap(time);
    var first = request("first", "n1", "dev/web/app");
    var second = request("second", "n1", "dev/web/app");
    ask(scheduler, first);
    ask(scheduler, second);

    scheduler.releaseUnused(first.key());

    assertThat(granted).as("no call was made, so no archive was named").containsExactly(first.key(), second.key());
    assertThat(time.pending()).isZero();
  }

  @Test
  void limitsBelowOneAreRefused() {
    assertThatThrownBy(() -> new CheckpointScheduler(0, 1, Duration.ZERO, new ManualTicker(), k -> { }))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
