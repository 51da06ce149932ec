package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * Several checkpoints of the same containers over time (issue 12 §5): {@code count} rounds, round k
 * starting at the object's start plus (k-1) times {@code intervalSeconds}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeriesSpec {

  /**
   * Every round adds an entry per container to status (which etcd bounds at about 1.5 MB, with
   * room for 20 containers) and an archive holding the container's whole memory to the node's disk
   * and the store: 24 is a day of hourly rounds.
   */
  public static final int MAX_COUNT = 24;
  /**
   * Each round freezes the container while CRIU dumps it and then runs a collector: rounds closer
   * than this would mostly record the freezing itself (and the kubelet names archives with whole
   * seconds, so two rounds of one container must never share one).
   */
  public static final int MIN_INTERVAL_SECONDS = 10;
  /** A day: a longer gap is better served by creating another ForensicCheckpoint then. */
  public static final int MAX_INTERVAL_SECONDS = 86_400;

  @Required
  @Min(2)
  @Max(MAX_COUNT)
  @JsonPropertyDescription("How many checkpoints of each container to take, 2-24 (for one, leave series out).")
  private Integer count;

  @Required
  @Min(MIN_INTERVAL_SECONDS)
  @Max(MAX_INTERVAL_SECONDS)
  @JsonPropertyDescription("Seconds from the start of one round to the start of the next, 10-86400. Rounds are"
      + " scheduled from the series' start (round k at start + (k-1) x interval), so a slow round does not push"
      + " the later ones back; a round that cannot start on time starts as soon as the one before it ends.")
  private Integer intervalSeconds;

  public SeriesSpec() {
  }

  public SeriesSpec(int count, int intervalSeconds) {
    this.count = count;
    this.intervalSeconds = intervalSeconds;
  }

  public Integer getCount() {
    return count;
  }

  public void setCount(Integer count) {
    this.count = count;
  }

  public Integer getIntervalSeconds() {
    return intervalSeconds;
  }

  public void setIntervalSeconds(Integer intervalSeconds) {
    this.intervalSeconds = intervalSeconds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeriesSpec other && Objects.equals(count, other.count)
        && Objects.equals(intervalSeconds, other.intervalSeconds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, intervalSeconds);
  }
}
