package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class EventWriterTest {

  @Test
  void anObjectWithMoreEventsWaitingThanItsRoomLosesItsOldestAndEachDropIsCounted() throws Exception {
    AtomicInteger dropped = new AtomicInteger();
    EventWriter writer = new EventWriter(1, 2, dropped::incrementAndGet);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> written = Collections.synchronizedList(new ArrayList<>());
    try {
      writer.write("a", () -> block(started, release));
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
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
  void oneObjectsEventsAreWrittenInOrderWhileAStuckObjectHoldsUpNoOther() throws Exception {
    EventWriter writer = new EventWriter(4, 100, () -> { });
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    Set<String> others = ConcurrentHashMap.newKeySet();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      writer.write("uid-stuck", () -> block(started, release));
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      writer.write("uid-stuck", () -> order.add("after the stuck one"));
      for (int i = 0; i < 50; i++) {
        int n = i;
        writer.write("uid-x", () -> order.add("x" + n));
        writer.write("uid-" + i, () -> others.add("uid-" + n));
      }
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> others.size() == 50 && order.size() == 50);
      assertThat(order).as("x's events in order, the stuck object's next one still waiting")
          .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> "x" + i).toList());
      release.countDown();
    } finally {
      writer.close(5, TimeUnit.SECONDS);
    }
    assertThat(order).endsWith("after the stuck one");
  }

  @Test
  void aBurstOfAThousandObjectsLosesNoEventWhileTheApiServerIsSlow() throws Exception {
    AtomicInteger dropped = new AtomicInteger();
    EventWriter writer = new EventWriter(4, OperatorMain.EVENTS_WAITING_PER_OBJECT, dropped::incrementAndGet);
    AtomicInteger written = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(4);
    try {
      for (int i = 0; i < 4; i++) {
        writer.write("slow-" + i, () -> block(started, release)); // every thread waits for the API server
      }
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 1000; i++) {
        for (int e = 0; e < 3; e++) {
          writer.write("uid-" + i, written::incrementAndGet);
        }
      }
      assertThat(writer.waitingCount()).isEqualTo(3000);
      release.countDown();
    } finally {
      writer.close(10, TimeUnit.SECONDS);
    }
    assertThat(dropped).hasValue(0);
    assertThat(written).hasValue(3000);
  }

  private static void block(CountDownLatch started, CountDownLatch release) {
    started.countDown();
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
