package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a series of checkpoints stands: the containers' entries describe the current (or last)
 * round; every finished round is kept in {@code rounds}, with the digest of each container's
 * custody record, which the next round's record names.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeriesStatus {

  @JsonPropertyDescription("Rounds asked for (spec.series.count).")
  private Integer count;

  @JsonPropertyDescription("The current round, or the last one once the series ended; 1 is the first.")
  private Integer round;

  @JsonPropertyDescription("round/count, for kubectl get.")
  private String progress;

  @JsonPropertyDescription("When the current round is due (RFC 3339): the series' start plus (round-1) x interval.")
  private String roundDueAt;

  @JsonPropertyDescription("Why the series ended before its last round, if it did.")
  private String stopped;

  @JsonPropertyDescription("Every finished round, oldest first.")
  private List<SeriesRound> rounds = new ArrayList<>();

  public Integer getCount() {
    return count;
  }

  public void setCount(Integer count) {
    this.count = count;
  }

  public Integer getRound() {
    return round;
  }

  public void setRound(Integer round) {
    this.round = round;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public String getRoundDueAt() {
    return roundDueAt;
  }

  public void setRoundDueAt(String roundDueAt) {
    this.roundDueAt = roundDueAt;
  }

  public String getStopped() {
    return stopped;
  }

  public void setStopped(String stopped) {
    this.stopped = stopped;
  }

  public List<SeriesRound> getRounds() {
    return rounds;
  }

  public void setRounds(List<SeriesRound> rounds) {
    this.rounds = rounds == null ? new ArrayList<>() : rounds;
  }
}
