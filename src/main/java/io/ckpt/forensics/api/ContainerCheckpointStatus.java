package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The checkpoint of one container: where it stands and, once done, where the archive is. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContainerCheckpointStatus {

  @JsonPropertyDescription("Container name.")
  private String name;

  @JsonPropertyDescription("Runtime container ID at the time of the checkpoint, e.g. containerd://<hex>.")
  private String containerID;

  @JsonPropertyDescription("Image the container runs, as the pod status reports it.")
  private String image;

  @JsonPropertyDescription("Resolved image reference (digest), as the pod status reports it.")
  private String imageID;

  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  private ContainerPhase phase;

  @JsonPropertyDescription("How many kubelet calls were started for this container (2 means one retry after an operator restart).")
  private Integer attempts;

  @JsonPropertyDescription("How often the last kubelet call was sent again automatically after a transient "
      + "failure that never reached the kubelet (connection refused, the API server unable to dial the kubelet); "
      + "note says why.")
  private Integer retries;

  @JsonPropertyDescription("Identifier of the current or last kubelet call, written before the call is sent. Only "
      + "the result of the call with this identifier is recorded, so two operator processes (a split brain during "
      + "failover) never overwrite each other's results.")
  private String attemptID;

  @JsonPropertyDescription("When the current or last kubelet call started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("Archive path on the node, exactly as the kubelet returned it.")
  private String archivePath;

  @JsonPropertyDescription("When the kubelet reported the checkpoint done (RFC 3339).")
  private String checkpointedAt;

  @JsonPropertyDescription("Duration of the successful kubelet call in milliseconds.")
  private Long durationMillis;

  @JsonPropertyDescription("Set when the pod's UID or the container's ID was different when the successful call "
      + "ended than when it started: the archive may be of the replacement, not of containerID.")
  private IdentityChange identityChange;

  @JsonPropertyDescription("The archive taken into custody: where it is stored, its digests and custody record;"
      + " set once the container succeeded, when the operator collects evidence.")
  private EvidenceStatus evidence;

  @JsonPropertyDescription("The checkpoint image pushed for spec.export: image, digest, reference to pull, what the"
      + " sanitizer dropped, or why it was not exported.")
  private ExportStatus export;

  @JsonPropertyDescription("Set when an earlier attempt was interrupted, e.g. by an operator restart, "
      + "and may have left an archive on the node.")
  private String note;

  @JsonPropertyDescription("Why the checkpoint failed, when phase is Failed.")
  private CheckpointFailure failure;

  public ContainerCheckpointStatus() {
  }

  public ContainerCheckpointStatus(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getContainerID() {
    return containerID;
  }

  public void setContainerID(String containerID) {
    this.containerID = containerID;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getImageID() {
    return imageID;
  }

  public void setImageID(String imageID) {
    this.imageID = imageID;
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

  public Integer getRetries() {
    return retries;
  }

  public void setRetries(Integer retries) {
    this.retries = retries;
  }

  public String getAttemptID() {
    return attemptID;
  }

  public void setAttemptID(String attemptID) {
    this.attemptID = attemptID;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getArchivePath() {
    return archivePath;
  }

  public void setArchivePath(String archivePath) {
    this.archivePath = archivePath;
  }

  public String getCheckpointedAt() {
    return checkpointedAt;
  }

  public void setCheckpointedAt(String checkpointedAt) {
    this.checkpointedAt = checkpointedAt;
  }

  public Long getDurationMillis() {
    return durationMillis;
  }

  public void setDurationMillis(Long durationMillis) {
    this.durationMillis = durationMillis;
  }

  public IdentityChange getIdentityChange() {
    return identityChange;
  }

  public void setIdentityChange(IdentityChange identityChange) {
    this.identityChange = identityChange;
  }

  public EvidenceStatus getEvidence() {
    return evidence;
  }

  public void setEvidence(EvidenceStatus evidence) {
    this.evidence = evidence;
  }

  public ExportStatus getExport() {
    return export;
  }

  public void setExport(ExportStatus export) {
    this.export = export;
  }

  public String getNote() {
    return note;
  }

  public void setNote(String note) {
    this.note = note;
  }

  public CheckpointFailure getFailure() {
    return failure;
  }

  public void setFailure(CheckpointFailure failure) {
    this.failure = failure;
  }
}
