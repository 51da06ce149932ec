package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/**
 * What to checkpoint. Immutable once created: a checkpoint is one-shot, so taking another means
 * creating another object.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf",
    message = "spec is immutable: create a new ForensicCheckpoint to take another checkpoint")
public class ForensicCheckpointSpec {

  /** DNS-1123 subdomain: what the API server accepts as a pod name. */
  public static final String POD_NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  /** DNS-1123 label: what the API server accepts as a container name. */
  public static final String CONTAINER_NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  public static final String CASE_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/#-]*$";
  /**
   * RE2 class of what a reason must not hold, because logs, events and terminals would act on it: C0
   * controls (newline, ESC, ...), DEL, C1 controls and the bidirectional overrides and isolates that
   * reorder what a reader sees. The caseId pattern admits none of these either.
   */
  public static final String UNPRINTABLE = "[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]";
  static final String REASON_MESSAGE = "reason must be one line of printable text: no newline, tab, ESC or other"
      + " control character and no bidirectional override; describe the alert in plain words";
  public static final int MAX_CONTAINERS = 20;
  public static final int MAX_TIMEOUT_SECONDS = 3600;
  /** Ten years: a record kept longer than that can do without a TTL. */
  public static final int MAX_TTL_SECONDS = 315_360_000;

  @Required
  @Size(min = 1, max = 253)
  @Pattern(POD_NAME_PATTERN)
  @JsonPropertyDescription("Name of the pod to checkpoint, in this object's namespace.")
  private String podName;

  @Size(min = 1, max = MAX_CONTAINERS)
  @ValidationRule(value = "self.all(c, self.exists_one(x, x == c))",
      message = "containers must not name the same container twice")
  @JsonPropertyDescription("Containers to checkpoint (at most 20, each once). "
      + "Omit to checkpoint every container of the pod that is running.")
  private List<@Size(min = 1, max = 63) @Pattern(CONTAINER_NAME_PATTERN) String> containers;

  @Size(max = 1024)
  @ValidationRule(value = "!self.matches(r'" + UNPRINTABLE + "')", message = REASON_MESSAGE)
  @JsonPropertyDescription("Why the checkpoint is taken (alert, ticket): one line of printable text, at most 1024"
      + " characters. Recorded in events.")
  private String reason;

  @Size(max = 128)
  @Pattern(CASE_ID_PATTERN)
  @JsonPropertyDescription("Incident or case identifier: letters, digits and . _ : / # -, at most 128 characters.")
  private String caseId;

  @Min(1)
  @Max(MAX_TIMEOUT_SECONDS)
  @JsonPropertyDescription("Seconds the kubelet may spend on each container's checkpoint (1-3600). "
      + "Default: the operator's FCP_DEFAULT_TIMEOUT_SECONDS; never more than its FCP_MAX_TIMEOUT_SECONDS.")
  private Integer timeoutSeconds;

  @Min(0)
  @Max(MAX_TTL_SECONDS)
  @JsonPropertyDescription("Seconds after the checkpoint and its custody finished when the operator deletes this"
      + " object, as for Jobs. Stored evidence and its custody record stay in the store. Not honoured while an"
      + " archive exists only on its node (no evidence store, or custody failed): then this object is its only"
      + " record. Unset: kept until deleted.")
  private Integer ttlSecondsAfterFinished;

  @JsonPropertyDescription("Take several checkpoints of the same containers over time: count rounds, intervalSeconds"
      + " apart, each archive with its own custody record naming the previous round's record (issue 12 section 5)."
      + " Omit for one checkpoint.")
  private SeriesSpec series;

  @JsonPropertyDescription("Also push each checkpointed container as a checkpoint image that CRI-O or containerd can"
      + " restore, to this repository. The image holds the container's memory in plaintext: export works only where"
      + " the platform admin enabled it for the repository (docs/export.md). A failed export never fails the"
      + " checkpoint. Omit for no image.")
  private ExportSpec export;

  @JsonPropertyDescription("Who created this object, as the API server authenticated the request. Written by the"
      + " chart's admission policies, never by hand: any other value is replaced or refused. Absent where those"
      + " policies are not installed; the custody record then says unknown.")
  private RequestedBy requestedBy;

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public List<String> getContainers() {
    return containers;
  }

  public void setContainers(List<String> containers) {
    this.containers = containers;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getCaseId() {
    return caseId;
  }

  public void setCaseId(String caseId) {
    this.caseId = caseId;
  }

  public Integer getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Integer timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  public SeriesSpec getSeries() {
    return series;
  }

  public void setSeries(SeriesSpec series) {
    this.series = series;
  }

  public ExportSpec getExport() {
    return export;
  }

  public void setExport(ExportSpec export) {
    this.export = export;
  }

  public RequestedBy getRequestedBy() {
    return requestedBy;
  }

  public void setRequestedBy(RequestedBy requestedBy) {
    this.requestedBy = requestedBy;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ForensicCheckpointSpec other)) {
      return false;
    }
    return Objects.equals(podName, other.podName) && Objects.equals(containers, other.containers)
        && Objects.equals(reason, other.reason) && Objects.equals(caseId, other.caseId)
        && Objects.equals(timeoutSeconds, other.timeoutSeconds) && Objects.equals(requestedBy, other.requestedBy)
        && Objects.equals(ttlSecondsAfterFinished, other.ttlSecondsAfterFinished)
        && Objects.equals(series, other.series) && Objects.equals(export, other.export);
  }

  @Override
  public int hashCode() {
    return Objects.hash(podName, containers, reason, caseId, timeoutSeconds, requestedBy, ttlSecondsAfterFinished,
        series, export);
  }
}
