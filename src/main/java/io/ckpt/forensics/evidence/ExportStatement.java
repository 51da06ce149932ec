package io.ckpt.forensics.evidence;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * The in-toto Statement v1 of an export record: the subject is the pushed image's manifest, named by
 * the reference it was pushed as and digested by the manifest's SHA-256; the predicate is
 * {@link ExportPredicate}. A type of its own (not {@link InTotoStatement}) so that a custody record
 * can never be read as an export record or the other way round.
 */
@JsonPropertyOrder({"_type", "subject", "predicateType", "predicate"})
public record ExportStatement(
    @JsonProperty("_type") String type,
    List<InTotoStatement.Subject> subject,
    String predicateType,
    ExportPredicate predicate) {

  public ExportStatement {
    subject = subject == null ? List.of() : List.copyOf(subject);
  }

  /**
   * The statement for the manifest pushed as {@code image} (REPOSITORY:TAG) with digest
   * {@code manifestDigest} ({@code sha256:HEX}, as the registry reports it).
   */
  public static ExportStatement of(String image, String manifestDigest, ExportPredicate predicate) {
    if (manifestDigest == null || !manifestDigest.matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException("manifest digest \"" + manifestDigest + "\" is not sha256:<64 hex digits>");
    }
    return new ExportStatement(InTotoStatement.TYPE,
        List.of(new InTotoStatement.Subject(image, Map.of("sha256", manifestDigest.substring("sha256:".length())))),
        ExportPredicate.TYPE, predicate);
  }
}
