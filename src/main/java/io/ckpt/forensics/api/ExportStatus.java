package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The checkpoint image of one container, pushed to the registry spec.export names, or why it was not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExportStatus {

  @JsonPropertyDescription("The pushed image, repository:tag.")
  private String image;

  @JsonPropertyDescription("Digest of the pushed image manifest, sha256:<hex>.")
  private String digest;

  @JsonPropertyDescription("repository@sha256:<hex>: what a restoring pod pulls; unlike the tag it cannot be moved.")
  private String reference;

  @JsonPropertyDescription("What the sanitizer removed from the archive's container configuration before building"
      + " the image, one entry each, \"<what>: <why>\" (device, runtime, OCI hook and seccomp-weakening annotations"
      + " or spec fields a restore would otherwise apply).")
  private List<String> droppedAnnotations;

  @JsonPropertyDescription("When the push finished (RFC 3339).")
  private String exportedAt;

  @JsonPropertyDescription("Where the signed export record is stored, beside the evidence as"
      + " <evidence name>.export.dsse.json: an in-toto statement (predicate https://forensics.ckpt.io/export/v1) whose"
      + " subject is the pushed manifest and which names the custody record and the evidence by SHA-256; check it with"
      + " fcp verify --export-record.")
  private String recordLocation;

  @JsonPropertyDescription("Why the image was not exported: reason and message. The checkpoint and its evidence are"
      + " not affected.")
  private ExportFailure failure;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public String getReference() {
    return reference;
  }

  public void setReference(String reference) {
    this.reference = reference;
  }

  public List<String> getDroppedAnnotations() {
    return droppedAnnotations;
  }

  public void setDroppedAnnotations(List<String> droppedAnnotations) {
    this.droppedAnnotations = droppedAnnotations;
  }

  public String getExportedAt() {
    return exportedAt;
  }

  public void setExportedAt(String exportedAt) {
    this.exportedAt = exportedAt;
  }

  public ExportFailure getFailure() {
    return failure;
  }

  public void setFailure(ExportFailure failure) {
    this.failure = failure;
  }

  public String getRecordLocation() {
    return recordLocation;
  }

  public void setRecordLocation(String recordLocation) {
    this.recordLocation = recordLocation;
  }
}
