package io.ckpt.forensics.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  static Clock at(String time) {
    return Clock.fixed(Instant.parse(time), ZoneOffset.UTC);
  }

  @Test
  void keepsTheTransitionTimeWhileTheStatusStaysTheSame() {
    List<Condition> conditions = new ArrayList<>();
    Conditions.set(conditions, "Ready", false, "Pending", "waiting", 1L, at("2026-11-23T10:00:00Z"));
    boolean changed = Conditions.set(conditions, "Ready", false, "CheckpointInProgress", "running", 1L,
        at("2026-11-23T10:00:05Z"));

    assertThat(changed).isTrue();
    assertThat(conditions).hasSize(1);
    assertThat(conditions.get(0).getReason()).isEqualTo("CheckpointInProgress");
    assertThat(conditions.get(0).getLastTransitionTime()).isEqualTo("2026-11-23T10:00:00Z");
  }

  @Test
  void movesTheTransitionTimeWhenTheStatusFlips() {
    List<Condition> conditions = new ArrayList<>();
    Conditions.set(conditions, "Ready", false, "Pending", "waiting", 1L, at("2026-11-23T10:00:00Z"));
    Conditions.set(conditions, "Ready", true, "CheckpointCompleted", "done", 1L, at("2026-11-23T10:00:07.250Z"));

    assertThat(conditions.get(0).getStatus()).isEqualTo("True");
    assertThat(conditions.get(0).getLastTransitionTime()).isEqualTo("2026-11-23T10:00:07Z");
    assertThat(conditions.get(0).getObservedGeneration()).isEqualTo(1L);
  }

  @Test
  void reportsNoChangeForAnIdenticalCondition() {
    List<Condition> conditions = new ArrayList<>();
    Conditions.set(conditions, "Failed", false, "NoFailure", "ok", 1L, at("2026-11-23T10:00:00Z"));

    assertThat(Conditions.set(conditions, "Failed", false, "NoFailure", "ok", 1L, at("2026-11-23T11:00:00Z")))
        .isFalse();
  }
}
