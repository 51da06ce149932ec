package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventWriterTest {

  @Test
  void theWriterDropsTheOldestWaitingEventsAndCountsEachDrop() throws Exception {
    AtomicInteger dropped = new AtomicInteger();
    EventWriter writer = new EventWriter(1, 2, dropped::incrementAndGet);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> written = Collections.synchronizedList(new ArrayList<>());
    try {
      writer.write("a", () -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      for (int i = 1; i <= 5; i++) {
        int n = i;
        writer.write("a", () -> written.add(n));
      }
      assertThat(dropped).as("5 waiting, room for 2").hasValue(3);
      release.countDown();
    } finally {
      writer.close(5, TimeUnit.SECONDS);
    }
    assertThat(written).as("the newest are kept, in order").containsExactly(4, 5);
  }

  @Test
  void oneObjectsEventsAreWrittenInOrderWhileOthersUseOtherThreads() throws Exception {
    EventWriter writer = new EventWriter(4, 100, () -> { });
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    Set<String> threads = ConcurrentHashMap.newKeySet();
    try {
      for (int i = 0; i < 50; i++) {
        int n = i;
        writer.write("uid-x", () -> order.add("x" + n));
        writer.write("uid-" + i, () -> threads.add(Thread.currentThread().getName()));
      }
    } finally {
      writer.close(5, TimeUnit.SECONDS);
    }
    assertThat(order).containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> "x" + i).toList());
    assertThat(threads).as("50 objects spread over the threads").hasSizeGreaterThan(1);
  }
}
