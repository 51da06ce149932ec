package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    CheckpointScheduler scheduler = new CheckpointScheduler(10, 1, granted::add);
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
    CheckpointScheduler scheduler = new CheckpointScheduler(2, 5, granted::add);
    for (String n : List.of("n1", "n2", "n3")) {
      ask(scheduler, request(n, n, "dev/" + n + "/app"));
    }
    assertThat(granted).hasSize(2);
    assertThat(scheduler.waitingCount()).isEqualTo(1);
  }

  @Test
  void oneCallAtATimePerTargetContainerEvenAcrossObjects() {
    CheckpointScheduler scheduler = new CheckpointScheduler(10, 10, granted::add);
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
    CheckpointScheduler scheduler = new CheckpointScheduler(1, 1, granted::add);
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
    CheckpointScheduler scheduler = new CheckpointScheduler(1, 1, granted::add);
    var gone = request("gone", "n1", "dev/gone/app");
    var next = request("next", "n1", "dev/next/app");
    ask(scheduler, gone);
    ask(scheduler, next);

    scheduler.releaseAll(key -> key.uid().startsWith("gone"));

    assertThat(granted).containsExactly(gone.key(), next.key());
  }

  /** A clock and a timer moved by hand. */
  static final class ManualTime implements CheckpointScheduler.Timer {
    long now = 1_000_000_000L;
    final List<Map.Entry<Long, Runnable>> due = new ArrayList<>();

    @Override
    public void accept(Duration delay, Runnable task) {
      due.add(Map.entry(now + delay.toNanos(), task));
    }

    void advance(Duration by) {
      now += by.toNanos();
      List<Map.Entry<Long, Runnable>> fire = due.stream().filter(e -> e.getKey() - now <= 0).toList();
      due.removeAll(fire);
      fire.forEach(e -> e.getValue().run());
    }
  }

  CheckpointScheduler withGap(ManualTime time) {
    return new CheckpointScheduler(10, 10, Duration.ofMillis(1100), () -> time.now, time, granted::add);
  }

  @Test
  void aContainersNextCallWaitsForTheGapWhileOtherContainersGoOn() {
    ManualTime time = new ManualTime();
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
    assertThat(time.due).isEmpty();
  }

  @Test
  void theGapStartsWhenTheCallEndsNotWhenItStarted() {
    ManualTime time = new ManualTime();
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
  void limitsBelowOneAreRefused() {
    assertThatThrownBy(() -> new CheckpointScheduler(0, 1, k -> { }))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
