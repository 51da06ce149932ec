package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Why a container's checkpoint image was not exported; the checkpoint and its evidence are unaffected. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExportFailure {

  /** The operator's configuration does not enable export (chart value export.enabled). */
  public static final String EXPORT_DISABLED = "ExportDisabled";
  /** spec.export.repository starts with none of the admin's allowed prefixes. */
  public static final String REPOSITORY_NOT_ALLOWED = "RepositoryNotAllowed";
  /** The image is built from the stored evidence, and there is none. */
  public static final String EVIDENCE_NOT_STORED = "EvidenceNotStored";
  /** The archive could not be read as a checkpoint archive. */
  public static final String ARCHIVE_UNREADABLE = "ArchiveUnreadable";
  /** The registry refused the credentials or the push (401, 403, 405, a denied scope). */
  public static final String PUSH_REFUSED = "PushRefused";
  /** The registry could not be reached or failed (connection, TLS, 5xx). */
  public static final String REGISTRY_UNAVAILABLE = "RegistryUnavailable";
  /** Anything else; the message says what. */
  public static final String EXPORT_ERROR = "ExportError";

  @JsonPropertyDescription("ExportDisabled, RepositoryNotAllowed, EvidenceNotStored, ArchiveUnreadable, PushRefused,"
      + " RegistryUnavailable or ExportError; docs/status-and-reasons.md says what each means.")
  private String reason;

  @JsonPropertyDescription("What happened and what to do.")
  private String message;

  public ExportFailure() {
  }

  public ExportFailure(String reason, String message) {
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
