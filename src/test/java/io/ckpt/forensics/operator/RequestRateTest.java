package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestRateTest {

  @Test
  void allowsTheBurstThenTheRate() {
    AtomicLong now = new AtomicLong();
    RequestRate rate = new RequestRate(10, 20, now::get);
    int allowed = 0;
    for (int i = 0; i < 100; i++) {
      allowed += rate.take() ? 1 : 0;
    }
    assertThat(allowed).as("the burst").isEqualTo(20);
    now.addAndGet(500_000_000L);
    allowed = 0;
    for (int i = 0; i < 100; i++) {
      allowed += rate.take() ? 1 : 0;
    }
    assertThat(allowed).as("half a second at 10/s").isEqualTo(5);
    now.addAndGet(3_600_000_000_000L);
    allowed = 0;
    for (int i = 0; i < 100; i++) {
      allowed += rate.take() ? 1 : 0;
    }
    assertThat(allowed).as("an idle hour refills only the burst").isEqualTo(20);
  }
}
