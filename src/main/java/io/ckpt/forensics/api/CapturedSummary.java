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

  @JsonPropertyDescription("Entries of the container's rootfs-diff.tar: files and directories it wrote.")
  private Long filesWritten;

  @JsonPropertyDescription("Paths in deleted.files: image files the container deleted.")
  private Long filesDeleted;

  @JsonPropertyDescription("Entries of the tmpfs images: files kept in memory-backed mounts such as /dev/shm.")
  private Long filesInTmpfs;

  @JsonPropertyDescription("The file changes to see first (fcp summary's list): 'CHANGE PATH', at most five.")
  private List<String> topFiles;

  public Long getFilesWritten() {
    return filesWritten;
  }

  public void setFilesWritten(Long filesWritten) {
    this.filesWritten = filesWritten;
  }

  public Long getFilesDeleted() {
    return filesDeleted;
  }

  public void setFilesDeleted(Long filesDeleted) {
    this.filesDeleted = filesDeleted;
  }

  public Long getFilesInTmpfs() {
    return filesInTmpfs;
  }

  public void setFilesInTmpfs(Long filesInTmpfs) {
    this.filesInTmpfs = filesInTmpfs;
  }

  public List<String> getTopFiles() {
    return topFiles;
  }

  public void setTopFiles(List<String> topFiles) {
    this.topFiles = topFiles;
  }

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
