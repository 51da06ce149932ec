package io.ckpt.forensics.evidence;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * The predicate of an export record ({@value #TYPE}): the checkpoint image the collector pushed
 * (the statement's subject) was built from the evidence this names, whose custody record this names by
 * its file's SHA-256. The custody record is signed before the push (a crash during the push must never
 * leave stored evidence without its record), so the image's digest is in this second record, signed
 * with the same key and stored beside the evidence (docs/export.md). New fields may be added within
 * this type; a renamed or removed one needs a new predicate type.
 *
 * @param custodyRecord the custody record file (the {@code .dsse.json} beside the evidence): where and its SHA-256
 * @param evidence the stored evidence: where and its SHA-256 (of the stored, possibly encrypted, bytes)
 * @param plaintext the SHA-256 of the archive the image was built from (the custody record's plaintext)
 * @param repository REGISTRY/REPOSITORY the image was pushed to
 * @param tag the tag it was pushed with
 * @param droppedAnnotations what the sanitizer removed from the archive before building the image, "what: why"
 * @param exportedAt when the registry accepted the manifest, RFC 3339
 */
@JsonPropertyOrder({"custodyRecord", "evidence", "plaintext", "repository", "tag", "droppedAnnotations",
    "exportedAt", "tool"})
public record ExportPredicate(
    StoredObject custodyRecord,
    StoredObject evidence,
    Digest plaintext,
    String repository,
    String tag,
    List<String> droppedAnnotations,
    String exportedAt,
    CustodyPredicate.Tool tool) {

  /** The predicate type URI; its meaning is docs/export.md. */
  public static final String TYPE = "https://forensics.ckpt.io/export/v1";

  public ExportPredicate {
    Objects.requireNonNull(custodyRecord, "custodyRecord");
    Objects.requireNonNull(evidence, "evidence");
    Objects.requireNonNull(plaintext, "plaintext");
    droppedAnnotations = droppedAnnotations == null ? List.of() : List.copyOf(droppedAnnotations);
  }

  /** A stored object: its location in the store and the SHA-256 of its bytes (what {@code sha256sum} prints). */
  @JsonPropertyOrder({"location", "sha256"})
  public record StoredObject(String location, String sha256) {}

  /** A SHA-256 in hex. */
  @JsonPropertyOrder({"sha256"})
  public record Digest(String sha256) {}
}
