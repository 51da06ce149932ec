package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One container's result in a finished round: the checkpoint and, with custody, its record. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeriesRoundContainer {

  @JsonPropertyDescription("Container name.")
  private String name;

  @JsonPropertyDescription("Succeeded or Failed.")
  private ContainerPhase phase;

  @JsonPropertyDescription("Kubelet calls started in this round (2: one retry after an operator restart).")
  private Integer attempts;

  @JsonPropertyDescription("When the round's kubelet call started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the kubelet reported the checkpoint done (RFC 3339).")
  private String checkpointedAt;

  @JsonPropertyDescription("Archive path on the node, as the kubelet returned it.")
  private String archivePath;

  @JsonPropertyDescription("Why the checkpoint failed, when phase is Failed.")
  private FailureReason failureReason;

  @JsonPropertyDescription("Stored or Failed, when archives are taken into custody.")
  private EvidencePhase evidence;

  @JsonPropertyDescription("Where the stored archive is.")
  private String location;

  @JsonPropertyDescription("Where the round's custody record is.")
  private String recordLocation;

  @JsonPropertyDescription("SHA-256 of that record file: the next round's record names it as its previous.")
  private String recordSha256;

  @JsonPropertyDescription("Set when an attempt was interrupted, e.g. by an operator restart.")
  private String note;

  public SeriesRoundContainer() {
  }

  public SeriesRoundContainer(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public ContainerPhase getPhase() {
    return phase;
  }

  public void setPhase(ContainerPhase phase) {
    this.phase = phase;
  }

  public Integer getAttempts() {
    return attempts;
  }

  public void setAttempts(Integer attempts) {
    this.attempts = attempts;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getCheckpointedAt() {
    return checkpointedAt;
  }

  public void setCheckpointedAt(String checkpointedAt) {
    this.checkpointedAt = checkpointedAt;
  }

  public String getArchivePath() {
    return archivePath;
  }

  public void setArchivePath(String archivePath) {
    this.archivePath = archivePath;
  }

  public FailureReason getFailureReason() {
    return failureReason;
  }

  public void setFailureReason(FailureReason failureReason) {
    this.failureReason = failureReason;
  }

  public EvidencePhase getEvidence() {
    return evidence;
  }

  public void setEvidence(EvidencePhase evidence) {
    this.evidence = evidence;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public String getRecordLocation() {
    return recordLocation;
  }

  public void setRecordLocation(String recordLocation) {
    this.recordLocation = recordLocation;
  }

  public String getRecordSha256() {
    return recordSha256;
  }

  public void setRecordSha256(String recordSha256) {
    this.recordSha256 = recordSha256;
  }

  public String getNote() {
    return note;
  }

  public void setNote(String note) {
    this.note = note;
  }
}
