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
    return request("dev", fcp, node, target);
  }

  static CheckpointScheduler.Request request(String namespace, String fcp, String node, String target) {
    return new CheckpointScheduler.Request(new CheckpointKey(new ResourceID(fcp, namespace), fcp + "-uid", "app"),
        node, target);
  }

  /** A request in {@code namespace} for a container of its own, named after its object. */
  static CheckpointScheduler.Request in(String namespace, String fcp, String node) {
    return request(namespace, fcp, node, namespace + "/" + fcp + "/app");
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

  /** The limits alone, none per namespace: no gap between calls to one container, so time never matters. */
  CheckpointScheduler limits(int maxConcurrent, int maxPerNode) {
    return limits(maxConcurrent, maxPerNode, maxConcurrent);
  }

  CheckpointScheduler limits(int maxConcurrent, int maxPerNode, int maxPerNamespace) {
    return new CheckpointScheduler(new CheckpointScheduler.Limits(maxConcurrent, maxPerNode, maxPerNamespace),
        Duration.ZERO, new ManualTicker(), granted::add);
  }

  CheckpointScheduler withGap(ManualTicker time) {
    return new CheckpointScheduler(new CheckpointScheduler.Limits(10, 10, 10), Duration.ofMillis(1100), time,
        granted::add);
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
  void limitsBelowOneOrAPerNamespaceLimitAboveTheGlobalOneAreRefused() {
    assertThatThrownBy(() -> new CheckpointScheduler.Limits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CheckpointScheduler.Limits(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CheckpointScheduler.Limits(2, 1, 3)).hasMessageContaining("per-namespace limit (3)");
  }

  // ---------------------------------------------------------------- fairness between namespaces

  /** The namespaces of the grants so far, in order. */
  List<String> grantedNamespaces() {
    return granted.stream().map(k -> k.resource().getNamespace().orElseThrow()).toList();
  }

  /** Releases the grants in the order they were given, until {@code count} grants were made. */
  void releaseInTurn(CheckpointScheduler scheduler, int count) {
    for (int i = 0; granted.size() < count; i++) {
      scheduler.release(granted.get(i));
    }
  }

  @Test
  void namespacesTakeTurnsWhileOneFloods() {
    CheckpointScheduler scheduler = limits(1, 10);
    for (int i = 1; i <= 100; i++) {
      ask(scheduler, in("flood", "f" + i, "n1"));
    }
    ask(scheduler, in("b", "b1", "n1"));
    ask(scheduler, in("c", "c1", "n1"));
    ask(scheduler, in("c", "c2", "n1"));

    releaseInTurn(scheduler, 8);

    assertThat(grantedNamespaces()).as("one each in turn; then only the flood is left")
        .containsExactly("flood", "b", "c", "flood", "c", "flood", "flood", "flood");
    assertThat(granted.stream().filter(k -> k.resource().getNamespace().orElseThrow().equals("flood"))
        .map(k -> k.resource().getName())).as("in arrival order within a namespace")
        .containsExactly("f1", "f2", "f3", "f4", "f5");
  }

  @Test
  void aNamespaceCannotHoldMoreThanItsLimitWhilePermitsStayFreeForOthers() {
    CheckpointScheduler scheduler = limits(4, 10, 2);
    for (int i = 1; i <= 10; i++) {
      ask(scheduler, in("flood", "f" + i, "n" + i));
    }
    assertThat(granted).hasSize(2);
    assertThat(scheduler.waitingCount()).isEqualTo(8);

    var other = in("other", "o1", "n1");
    assertThat(scheduler.request(other)).as("granted at once, not after the flood").isTrue();

    scheduler.release(granted.get(0));
    assertThat(grantedNamespaces()).as("the flood's own slot goes back to it").containsExactly("flood", "flood",
        "flood");
    assertThat(scheduler.grantedCount()).isEqualTo(3);
  }

  @Test
  void aNamespaceWithOneWaitingIsServedAtTheNextReleaseThoughAnotherHasThousandsWaiting() {
    CheckpointScheduler scheduler = limits(10, 1);
    for (int i = 0; i < 5000; i++) {
      ask(scheduler, in("flood", "f" + i, "n" + (i % 10)));
    }
    assertThat(granted).hasSize(10);
    var late = in("late", "l1", "n7");
    ask(scheduler, late);
    assertThat(granted).hasSize(10);

    scheduler.release(granted.get(0)); // node n0: the late namespace's node stays full
    scheduler.release(granted.get(7)); // node n7
    assertThat(granted).as("n0 to the flood, n7 to the late namespace").hasSize(12);
    assertThat(granted.get(11)).isEqualTo(late.key());
    assertThat(scheduler.waitingOn("n7")).isEqualTo(499);
    assertThat(scheduler.waitingCount()).isEqualTo(4990 - 1);
  }

  @Test
  void grantsOnAnotherNodeDoNotCostAWaitingNamespaceItsTurn() {
    // with a turn pointer that moves past whoever was served last, c's grants on n2 would put a
    // first on n1 again and again; b, served longest ago, goes first instead
    CheckpointScheduler scheduler = limits(10, 1);
    ask(scheduler, in("a", "a1", "n1"));
    ask(scheduler, in("a", "a2", "n1"));
    ask(scheduler, in("b", "b1", "n1"));
    ask(scheduler, in("c", "c1", "n2"));
    ask(scheduler, in("c", "c2", "n2"));
    assertThat(grantedNamespaces()).containsExactly("a", "c");

    scheduler.release(granted.get(1));
    scheduler.release(granted.get(0));

    assertThat(grantedNamespaces()).containsExactly("a", "c", "c", "b");
  }

  @Test
  void aNamespaceThatLeavesAndComesBackDoesNotPassThoseThatWaited() {
    CheckpointScheduler scheduler = limits(1, 10);
    ask(scheduler, in("a", "a1", "n1"));
    ask(scheduler, in("a", "a2", "n1"));
    ask(scheduler, in("b", "b1", "n1"));
    ask(scheduler, in("b", "b2", "n1"));
    scheduler.release(granted.get(0));
    var d1 = in("d", "d1", "n1");
    ask(scheduler, d1);
    scheduler.release(granted.get(1));
    assertThat(granted.get(2)).as("d was never served: it goes first").isEqualTo(d1.key());
    scheduler.release(d1.key());
    ask(scheduler, in("d", "d2", "n1")); // d had nothing left: it left and comes back

    releaseInTurn(scheduler, 6);

    assertThat(grantedNamespaces()).containsExactly("a", "b", "d", "a", "b", "d");
  }

  @Test
  void aWithdrawnRequestLetsTheNextOfItsContainerMoveUp() {
    CheckpointScheduler scheduler = limits(10, 1);
    var running = request("running", "n1", "dev/other/app");
    var first = request("first", "n1", "dev/web/app");
    var second = request("second", "n1", "dev/web/app");
    ask(scheduler, running);
    ask(scheduler, first);
    ask(scheduler, second);

    scheduler.releaseUnused(first.key());
    assertThat(scheduler.isWaiting(first.key())).isFalse();
    assertThat(scheduler.waitingOn("n1")).isEqualTo(1);
    scheduler.release(running.key());

    assertThat(granted).containsExactly(running.key(), second.key());
  }

  @Test
  void everythingReleasedLeavesNothingWaiting() {
    CheckpointScheduler scheduler = limits(2, 1, 1);
    for (String ns : List.of("a", "b", "c")) {
      for (int i = 0; i < 3; i++) {
        ask(scheduler, in(ns, ns + i, "n" + i));
      }
    }
    releaseInTurn(scheduler, 9);
    granted.forEach(scheduler::release);

    assertThat(granted).hasSize(9).doesNotHaveDuplicates();
    assertThat(scheduler.keys()).isEmpty();
    assertThat(scheduler.waitingCount()).isZero();
    assertThat(scheduler.namespacesWaiting()).isZero();
    assertThat(scheduler.holdsNothing()).as("no line, namespace or turn kept").isTrue();
  }

  @Test
  void aWithdrawnFloodLeavesNothingBehind() {
    CheckpointScheduler scheduler = limits(3, 1, 2);
    List<CheckpointScheduler.Request> flood = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      flood.add(request("ns" + i % 4, "f" + i, "n" + i % 3, "shared/" + i % 7 + "/app"));
    }
    flood.forEach(r -> ask(scheduler, r));

    scheduler.releaseAllUnused(key -> true);

    assertThat(scheduler.holdsNothing()).isTrue();
  }

  /**
   * Random requests, releases, withdrawals and waits (fixed seed): no limit is ever exceeded, and no
   * request waits while it could start (its container free and out of its gap, room on its node, in
   * its namespace and in total).
   */
  @Test
  void randomTrafficKeepsEveryLimitAndLeavesNoStartableRequestWaiting() {
    ManualTicker time = new ManualTicker();
    Duration gap = Duration.ofMillis(1100);
    CheckpointScheduler.Limits limits = new CheckpointScheduler.Limits(6, 2, 3);
    CheckpointScheduler scheduler = new CheckpointScheduler(limits, gap, time, granted::add);
    java.util.Random random = new java.util.Random(11);
    java.util.Map<CheckpointKey, CheckpointScheduler.Request> asked = new java.util.HashMap<>();
    java.util.Map<String, Long> gapEnds = new java.util.HashMap<>();
    java.util.Set<CheckpointKey> holding = new java.util.HashSet<>();
    int seen = 0;
    for (int step = 0; step < 5000; step++) {
      int op = random.nextInt(10);
      if (op < 5) { // a new object asks
        int target = random.nextInt(40);
        String ns = "ns" + target % 5;
        var r = request(ns, "o" + step, "n" + target % 4, ns + "/p" + target + "/app");
        asked.put(r.key(), r);
        ask(scheduler, r);
      } else if (op < 8) { // a call ends, or a permit goes back unused
        List<CheckpointKey> held = new ArrayList<>(holding);
        if (!held.isEmpty()) {
          CheckpointKey key = held.get(random.nextInt(held.size()));
          holding.remove(key);
          if (random.nextBoolean()) {
            gapEnds.put(asked.get(key).target(), time.nanoTime() + gap.toNanos());
            scheduler.release(key);
          } else {
            scheduler.releaseUnused(key);
          }
        }
      } else if (op < 9) { // an object is deleted while it waits
        List<CheckpointKey> waitingKeys = scheduler.keys().stream().filter(scheduler::isWaiting).toList();
        if (!waitingKeys.isEmpty()) {
          scheduler.releaseUnused(waitingKeys.get(random.nextInt(waitingKeys.size())));
        }
      } else {
        time.advance(Duration.ofMillis(random.nextInt(1500)));
      }
      granted.subList(seen, granted.size()).forEach(holding::add);
      seen = granted.size();
      checkInvariants(scheduler, limits, asked, holding, gapEnds, time.nanoTime());
    }
    assertThat(granted.size()).as("enough traffic to mean something").isGreaterThan(1000);
  }

  private static void checkInvariants(CheckpointScheduler scheduler, CheckpointScheduler.Limits limits,
      java.util.Map<CheckpointKey, CheckpointScheduler.Request> asked, java.util.Set<CheckpointKey> holding,
      java.util.Map<String, Long> gapEnds, long now) {
    List<CheckpointScheduler.Request> held = holding.stream().map(asked::get).toList();
    assertThat(held).hasSizeLessThanOrEqualTo(limits.global());
    java.util.Map<String, Long> perNode = held.stream().collect(java.util.stream.Collectors.groupingBy(
        CheckpointScheduler.Request::node, java.util.stream.Collectors.counting()));
    java.util.Map<String, Long> perNamespace = held.stream().collect(java.util.stream.Collectors.groupingBy(
        CheckpointScheduler.Request::namespace, java.util.stream.Collectors.counting()));
    assertThat(perNode.values()).allMatch(n -> n <= limits.perNode());
    assertThat(perNamespace.values()).allMatch(n -> n <= limits.perNamespace());
    assertThat(held.stream().map(CheckpointScheduler.Request::target)).doesNotHaveDuplicates();
    for (CheckpointKey key : scheduler.keys()) {
      if (!scheduler.isWaiting(key)) {
        continue;
      }
      CheckpointScheduler.Request r = asked.get(key);
      boolean startable = held.size() < limits.global()
          && perNode.getOrDefault(r.node(), 0L) < limits.perNode()
          && perNamespace.getOrDefault(r.namespace(), 0L) < limits.perNamespace()
          && held.stream().noneMatch(h -> h.target().equals(r.target()))
          && gapEnds.getOrDefault(r.target(), now) - now <= 0;
      assertThat(startable).as("%s waits though it could start", key).isFalse();
    }
  }
}
