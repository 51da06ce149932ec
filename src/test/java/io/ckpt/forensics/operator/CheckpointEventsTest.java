package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CheckpointEventsTest {

  @Test
  void theWriterDropsTheOldestWaitingEventsAndCountsEachDrop() throws Exception {
    AtomicInteger dropped = new AtomicInteger();
    ExecutorService writer = CheckpointEvents.asyncWriter(2, dropped::incrementAndGet);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> written = Collections.synchronizedList(new ArrayList<>());
    try {
      writer.execute(() -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      for (int i = 1; i <= 5; i++) {
        int n = i;
        writer.execute(() -> written.add(n));
      }
      assertThat(dropped).as("5 waiting, room for 2").hasValue(3);
      release.countDown();
    } finally {
      writer.shutdown();
      assertThat(writer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(written).as("the newest are kept, in order").containsExactly(4, 5);
  }
}
