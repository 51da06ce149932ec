package io.ckpt.forensics.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.alerts.AlertGuards.Reservation;
import io.ckpt.forensics.alerts.AlertGuards.Verdict;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AlertGuardsTest {

  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final AlertGuards guards = new AlertGuards(100, 10, now::get);
  static final Duration TEN_MINUTES = Duration.ofMinutes(10);

  Verdict reserve(String pod, int maxPerHour) {
    return guards.reserve("dev/" + pod + "/app", "dev/" + pod + "/id:abc", "dev", TEN_MINUTES, maxPerHour,
        new Reservation[1]);
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void aSecondAlertForTheSameContainerWithinTheWindowIsDeduplicated() {
    assertThat(reserve("a", 10)).isEqualTo(Verdict.ALLOWED);
    assertThat(reserve("a", 10)).isEqualTo(Verdict.DEDUPLICATED);
    assertThat(guards.peek("dev/a/id:abc", "dev", 10)).as("by the alias, before the pod is read")
        .isEqualTo(Verdict.DEDUPLICATED);
    advance(TEN_MINUTES.minusSeconds(1));
    assertThat(reserve("a", 10)).isEqualTo(Verdict.DEDUPLICATED);
    advance(Duration.ofSeconds(1));
    assertThat(reserve("a", 10)).as("the window is over").isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void theNamespaceCapCountsASlidingHour() {
    for (int i = 0; i < 3; i++) {
      assertThat(reserve("p" + i, 3)).isEqualTo(Verdict.ALLOWED);
    }
    assertThat(reserve("p3", 3)).isEqualTo(Verdict.RATE_LIMITED);
    assertThat(reserve("p0", 3)).as("a duplicate is a duplicate, not rate limited").isEqualTo(Verdict.DEDUPLICATED);
    assertThat(guards.reserve("other/x/app", "other/x/app", "other", TEN_MINUTES, 3, new Reservation[1]))
        .as("another namespace has its own hour").isEqualTo(Verdict.ALLOWED);
    advance(Duration.ofMinutes(59));
    assertThat(reserve("p3", 3)).isEqualTo(Verdict.RATE_LIMITED);
    advance(Duration.ofMinutes(1));
    assertThat(reserve("p3", 3)).isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void aReleasedReservationFreesItsWindowAndSlot() {
    Reservation[] granted = new Reservation[1];
    assertThat(guards.reserve("dev/a/app", "dev/a/id:abc", "dev", TEN_MINUTES, 1, granted))
        .isEqualTo(Verdict.ALLOWED);
    guards.release(granted[0]);
    assertThat(reserve("a", 1)).isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void aZeroWindowDeduplicatesNothing() {
    Reservation[] granted = new Reservation[1];
    assertThat(guards.reserve("dev/a/app", "dev/a/app", "dev", Duration.ZERO, 10, granted)).isEqualTo(Verdict.ALLOWED);
    assertThat(guards.reserve("dev/a/app", "dev/a/app", "dev", Duration.ZERO, 10, granted)).isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void theDedupStateStaysBounded() {
    AlertGuards small = new AlertGuards(100, 10, now::get);
    for (int i = 0; i < 10_000; i++) {
      small.reserve("ns" + i + "/p/app", "ns" + i + "/p/id", "ns" + i, TEN_MINUTES, 1000, new Reservation[1]);
    }
    assertThat(small.keys()).isLessThanOrEqualTo(101);
  }
}
