package io.ckpt.forensics.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A dropped Event shows as a reason one object lacks; the operator's drop counter is read from its metrics. */
class StoredEventsTest {

  @Test
  void anObjectLackingAReasonOthersHaveIsMissingAnEvent() {
    StoredEvents events = new StoredEvents(Map.of(
        "b-1", Map.of("CheckpointRequested", 1, "CheckpointSucceeded", 1),
        "b-2", Map.of("CheckpointSucceeded", 1),
        "b-3", Map.of()));

    assertThat(events.expectedReasons()).containsExactly("CheckpointRequested", "CheckpointSucceeded");
    assertThat(events.expected()).isEqualTo(6);
    assertThat(events.stored()).isEqualTo(3);
    assertThat(events.objectsMissingAnEvent()).isEqualTo(2);
    assertThat(events.perObjectByReason()).isEqualTo("CheckpointRequested 0.33, CheckpointSucceeded 0.67");
  }

  @Test
  void everyObjectWithEveryReasonMissesNothing() {
    StoredEvents events = new StoredEvents(Map.of(
        "b-1", Map.of("CheckpointRequested", 1, "CheckpointSucceeded", 1),
        "b-2", Map.of("CheckpointRequested", 1, "CheckpointSucceeded", 1)));

    assertThat(events.objectsMissingAnEvent()).isZero();
    assertThat(events.stored()).isEqualTo(events.expected());
  }

  @Test
  void droppedEventsAreSummedFromThePrometheusTextAndAbsentMeansNone() {
    String metrics = """
        # HELP fcp_events_dropped_total Events not written
        # TYPE fcp_events_dropped_total counter
        fcp_events_dropped_total 1234.0
        fcp_events_dropped_totally_unrelated 7.0
        """;

    assertThat(Bench.eventsDropped(metrics)).isEqualTo(1234);
    assertThat(Bench.eventsDropped("fcp_checkpoints_total{phase=\"Succeeded\"} 3.0\n")).isZero();
  }
}
