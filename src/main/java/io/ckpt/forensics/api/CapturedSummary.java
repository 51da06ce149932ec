package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What the archive holds, as the collector read it in the same pass that stored it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CapturedSummary {

  @JsonPropertyDescription("Number of processes in the checkpoint.")
  private Integer processes;

  @JsonPropertyDescription("Number of listening sockets.")
  private Integer listeningSockets;

  @JsonPropertyDescription("CPU architecture of the checkpointed processes.")
  private String architecture;

  @JsonPropertyDescription("Signs worth a look (fcp summary's list), each one line.")
  private List<String> signs;

  public Integer getProcesses() {
    return processes;
  }

  public void setProcesses(Integer processes) {
    this.processes = processes;
  }

  public Integer getListeningSockets() {
    return listeningSockets;
  }

  public void setListeningSockets(Integer listeningSockets) {
    this.listeningSockets = listeningSockets;
  }

  public String getArchitecture() {
    return architecture;
  }

  public void setArchitecture(String architecture) {
    this.architecture = architecture;
  }

  public List<String> getSigns() {
    return signs;
  }

  public void setSigns(List<String> signs) {
    this.signs = signs;
  }
}
