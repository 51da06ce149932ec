package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Why one container's checkpoint failed: a reason from a closed set plus the server's own words. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointFailure {

  @JsonPropertyDescription("Machine-readable reason from a closed set; docs/status-and-reasons.md lists them.")
  private FailureReason reason;

  @JsonPropertyDescription("What happened and what to do, including the kubelet's or API server's text (trimmed).")
  private String message;

  @JsonPropertyDescription("HTTP status of the answer, when there was one.")
  private Integer httpStatus;

  public CheckpointFailure() {
  }

  public CheckpointFailure(FailureReason reason, String message, Integer httpStatus) {
    this.reason = reason;
    this.message = message;
    this.httpStatus = httpStatus;
  }

  public FailureReason getReason() {
    return reason;
  }

  public void setReason(FailureReason reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Integer getHttpStatus() {
    return httpStatus;
  }

  public void setHttpStatus(Integer httpStatus) {
    this.httpStatus = httpStatus;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CheckpointFailure other && reason == other.reason
        && Objects.equals(message, other.message) && Objects.equals(httpStatus, other.httpStatus);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, message, httpStatus);
  }

  @Override
  public String toString() {
    return reason + (httpStatus == null ? "" : " (HTTP " + httpStatus + ")") + ": " + message;
  }
}
