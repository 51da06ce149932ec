package io.ckpt.forensics.evidence;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-toto Statement v1 (https://github.com/in-toto/attestation, spec/v1/statement.md) about
 * stored evidence: the subject is the stored object, named and digested; the predicate is the
 * custody record.
 */
@JsonPropertyOrder({"_type", "subject", "predicateType", "predicate"})
public record InTotoStatement(
    @JsonProperty("_type") String type,
    List<Subject> subject,
    String predicateType,
    CustodyPredicate predicate) {

  public static final String TYPE = "https://in-toto.io/Statement/v1";
  /** The DSSE payload type of an in-toto statement. */
  public static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";

  public InTotoStatement {
    subject = subject == null ? List.of() : List.copyOf(subject);
  }

  /** The custody statement for one stored object. */
  public static InTotoStatement custody(String storedName, CustodyPredicate predicate) {
    return new InTotoStatement(TYPE, List.of(new Subject(storedName, Map.of("sha256", predicate.stored().sha256()))),
        CustodyPredicate.TYPE, predicate);
  }

  /** A resource descriptor with a name and digests by algorithm (sorted, so the JSON is the same every time). */
  @JsonPropertyOrder({"name", "digest"})
  public record Subject(String name, Map<String, String> digest) {

    public Subject {
      digest = digest == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(digest));
    }
  }
}
