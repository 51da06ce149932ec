package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** One finished round of a series: when it was due, when it ended, and each container's result. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeriesRound {

  @JsonPropertyDescription("1 for the first round.")
  private Integer round;

  @JsonPropertyDescription("When the round was due (RFC 3339).")
  private String dueAt;

  @JsonPropertyDescription("When its last container's checkpoint and custody ended (RFC 3339).")
  private String finishedAt;

  @JsonPropertyDescription("One entry per container.")
  private List<SeriesRoundContainer> containers = new ArrayList<>();

  public Integer getRound() {
    return round;
  }

  public void setRound(Integer round) {
    this.round = round;
  }

  public String getDueAt() {
    return dueAt;
  }

  public void setDueAt(String dueAt) {
    this.dueAt = dueAt;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public void setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
  }

  public List<SeriesRoundContainer> getContainers() {
    return containers;
  }

  public void setContainers(List<SeriesRoundContainer> containers) {
    this.containers = containers == null ? new ArrayList<>() : containers;
  }
}
