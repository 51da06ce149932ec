package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Why an archive could not be taken into custody. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CollectionFailure {

  @JsonPropertyDescription("ArchiveUnreadable, StoreRefused, StoreUnavailable, DigestMismatch, BadConfiguration,"
      + " CollectorError, CollectorNotStarted or DeadlineExceeded; docs/status-and-reasons.md says what each means.")
  private String reason;

  @JsonPropertyDescription("What happened and what to do.")
  private String message;

  public CollectionFailure() {
  }

  public CollectionFailure(String reason, String message) {
    this.reason = reason;
    this.message = message;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
