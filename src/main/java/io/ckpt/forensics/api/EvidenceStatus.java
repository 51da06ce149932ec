package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * Where one container's archive is kept once the operator took it off the node: the collector's
 * report, as its pod's termination message gave it, or why collection failed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvidenceStatus {

  @JsonPropertyDescription("Collecting, Stored or Failed.")
  private EvidencePhase phase;

  @JsonPropertyDescription("True when the container's checkpoint failed and what is (to be) stored is a fallback"
      + " bundle instead of an archive: the pod, container statuses, recent events, the tail of each container's"
      + " log and the node's info as the API server showed them (docs/evidence.md).")
  private Boolean fallbackBundle;

  @JsonPropertyDescription("The collector pod, namespace/name.")
  private String collectorPod;

  @JsonPropertyDescription("Where the stored archive is: s3://bucket/key or file:///path.")
  private String location;

  @JsonPropertyDescription("SHA-256 of the archive as the kubelet wrote it (the plaintext), lower-case hex.")
  private String sha256;

  @JsonPropertyDescription("Size of the archive as the kubelet wrote it, in bytes.")
  private Long sizeBytes;

  @JsonPropertyDescription("SHA-256 of the stored bytes (equal to sha256 unless encrypted), as read back from the store.")
  private String storedSha256;

  @JsonPropertyDescription("Size of the stored bytes.")
  private Long storedBytes;

  @JsonPropertyDescription("Whether the stored bytes are OpenPGP-encrypted to recipients.")
  private Boolean encrypted;

  @JsonPropertyDescription("Fingerprints of the OpenPGP keys the archive was encrypted to.")
  private List<String> recipients;

  @JsonPropertyDescription("Where the signed custody record (an in-toto statement in a DSSE envelope) is stored.")
  private String recordLocation;

  @JsonPropertyDescription("SHA-256 of the custody record file, as stored (what sha256sum prints); in a series, the"
      + " next round's record names it.")
  private String recordSha256;

  @JsonPropertyDescription("Key ID of the key that signed the custody record (SHA-256 of its public key, DER).")
  private String signingKeyId;

  @JsonPropertyDescription("When the collector finished (RFC 3339).")
  private String collectedAt;

  @JsonPropertyDescription("Whether the node's copy was removed after the stored copy was read back and verified.")
  private Boolean removedFromNode;

  @JsonPropertyDescription("What the archive holds, read in the same pass that stored it.")
  private CapturedSummary captured;

  @JsonPropertyDescription("Why collection failed, when phase is Failed: reason and message.")
  private CollectionFailure failure;

  public EvidencePhase getPhase() {
    return phase;
  }

  public void setPhase(EvidencePhase phase) {
    this.phase = phase;
  }

  public Boolean getFallbackBundle() {
    return fallbackBundle;
  }

  public void setFallbackBundle(Boolean fallbackBundle) {
    this.fallbackBundle = fallbackBundle;
  }

  public String getCollectorPod() {
    return collectorPod;
  }

  public void setCollectorPod(String collectorPod) {
    this.collectorPod = collectorPod;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public String getSha256() {
    return sha256;
  }

  public void setSha256(String sha256) {
    this.sha256 = sha256;
  }

  public Long getSizeBytes() {
    return sizeBytes;
  }

  public void setSizeBytes(Long sizeBytes) {
    this.sizeBytes = sizeBytes;
  }

  public String getStoredSha256() {
    return storedSha256;
  }

  public void setStoredSha256(String storedSha256) {
    this.storedSha256 = storedSha256;
  }

  public Long getStoredBytes() {
    return storedBytes;
  }

  public void setStoredBytes(Long storedBytes) {
    this.storedBytes = storedBytes;
  }

  public Boolean getEncrypted() {
    return encrypted;
  }

  public void setEncrypted(Boolean encrypted) {
    this.encrypted = encrypted;
  }

  public List<String> getRecipients() {
    return recipients;
  }

  public void setRecipients(List<String> recipients) {
    this.recipients = recipients;
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

  public String getSigningKeyId() {
    return signingKeyId;
  }

  public void setSigningKeyId(String signingKeyId) {
    this.signingKeyId = signingKeyId;
  }

  public String getCollectedAt() {
    return collectedAt;
  }

  public void setCollectedAt(String collectedAt) {
    this.collectedAt = collectedAt;
  }

  public Boolean getRemovedFromNode() {
    return removedFromNode;
  }

  public void setRemovedFromNode(Boolean removedFromNode) {
    this.removedFromNode = removedFromNode;
  }

  public CapturedSummary getCaptured() {
    return captured;
  }

  public void setCaptured(CapturedSummary captured) {
    this.captured = captured;
  }

  public CollectionFailure getFailure() {
    return failure;
  }

  public void setFailure(CollectionFailure failure) {
    this.failure = failure;
  }
}
