package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointSchedulerTest {

  final List<CheckpointKey> granted = new ArrayList<>();

  static CheckpointScheduler.Request request(String fcp, String node, String target) {
    return new CheckpointScheduler.Request(new CheckpointKey(new ResourceID(fcp, "dev"), fcp + "-uid", "app"), node,
        target);
  }

  @Test
  void grantsInArrivalOrderWithinTheNodeLimit() {
    CheckpointScheduler scheduler = new CheckpointScheduler(10, 1, granted::add);
    var a = request("a", "n1", "dev/a/app");
    var b = request("b", "n1", "dev/b/app");
    var c = request("c", "n2", "dev/c/app");

    scheduler.request(a);
    scheduler.request(b);
    scheduler.request(c);
    assertThat(granted).containsExactly(a.key(), c.key());

    scheduler.release(a.key());
    assertThat(granted).containsExactly(a.key(), c.key(), b.key());
  }

  @Test
  void globalLimitCountsEveryNode() {
    CheckpointScheduler scheduler = new CheckpointScheduler(2, 5, granted::add);
    for (String n : List.of("n1", "n2", "n3")) {
      scheduler.request(request(n, n, "dev/" + n + "/app"));
    }
    assertThat(granted).hasSize(2);
    assertThat(scheduler.waitingCount()).isEqualTo(1);
  }

  @Test
  void oneCallAtATimePerTargetContainerEvenAcrossObjects() {
    CheckpointScheduler scheduler = new CheckpointScheduler(10, 10, granted::add);
    var first = request("first", "n1", "dev/web/app");
    var second = request("second", "n1", "dev/web/app");
    scheduler.request(first);
    scheduler.request(second);
    assertThat(granted).containsExactly(first.key());

    scheduler.release(first.key());
    assertThat(granted).containsExactly(first.key(), second.key());
  }

  @Test
  void duplicateRequestsAndUnknownReleasesChangeNothing() {
    CheckpointScheduler scheduler = new CheckpointScheduler(1, 1, granted::add);
    var a = request("a", "n1", "dev/a/app");
    scheduler.request(a);
    scheduler.request(a);
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
    scheduler.request(gone);
    scheduler.request(next);

    scheduler.releaseAll(key -> key.uid().startsWith("gone"));

    assertThat(granted).containsExactly(gone.key(), next.key());
  }

  @Test
  void limitsBelowOneAreRefused() {
    assertThatThrownBy(() -> new CheckpointScheduler(0, 1, k -> { }))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
