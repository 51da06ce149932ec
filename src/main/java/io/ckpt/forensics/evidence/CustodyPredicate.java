package io.ckpt.forensics.evidence;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The predicate of a custody record ({@value #TYPE}): who asked for the checkpoint and why, what
 * was checkpointed where, when, and what was stored. docs/evidence.md describes every field; a field
 * the operator could not learn is null (or "unknown" for the requester), never a guess. New fields
 * may be added within this type; a renamed or removed one needs a new predicate type.
 */
@JsonPropertyOrder({"requestedBy", "reason", "caseId", "forensicCheckpoint", "pod", "podUID", "container",
    "containerID", "image", "imageID", "node", "kubeletArchivePath", "times", "plaintext", "stored", "tool",
    "series", "previous", "fallbackBundle"})
public record CustodyPredicate(
    Requester requestedBy,
    String reason,
    String caseId,
    ObjectReference forensicCheckpoint,
    String pod,
    @JsonProperty("podUID") String podUid,
    String container,
    @JsonProperty("containerID") String containerId,
    String image,
    @JsonProperty("imageID") String imageId,
    String node,
    String kubeletArchivePath,
    Times times,
    Measurement plaintext,
    StoredForm stored,
    Tool tool,
    SeriesPosition series,
    RecordDigest previous,
    @JsonInclude(JsonInclude.Include.NON_NULL) FallbackBundle fallbackBundle) {

  /** The predicate type URI; its meaning is docs/evidence.md. */
  public static final String TYPE = "https://forensics.ckpt.io/custody/v1";

  /** A record of a checkpoint archive (not a fallback bundle). */
  public CustodyPredicate(Requester requestedBy, String reason, String caseId, ObjectReference forensicCheckpoint,
      String pod, String podUid, String container, String containerId, String image, String imageId, String node,
      String kubeletArchivePath, Times times, Measurement plaintext, StoredForm stored, Tool tool,
      SeriesPosition series, RecordDigest previous) {
    this(requestedBy, reason, caseId, forensicCheckpoint, pod, podUid, container, containerId, image, imageId, node,
        kubeletArchivePath, times, plaintext, stored, tool, series, previous, null);
  }

  public CustodyPredicate {
    Objects.requireNonNull(requestedBy, "requestedBy (Requester.UNKNOWN when the API server did not say)");
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(stored, "stored");
    Objects.requireNonNull(tool, "tool");
  }

  /**
   * The user the API server authenticated for the ForensicCheckpoint's create request, or
   * {@link #UNKNOWN} (written as the string {@code "unknown"}) where nothing unforgeable says so.
   * {@code onBehalfOf} is set only when that user was the operator acting for a CheckpointPolicy's
   * alert (the cluster's admission policy wrote it; absent from the JSON otherwise).
   */
  public record Requester(String user, List<String> groups, OnBehalfOf onBehalfOf) {

    public static final Requester UNKNOWN = new Requester(null, List.of());

    public Requester {
      groups = List.copyOf(groups);
    }

    public Requester(String user, List<String> groups) {
      this(user, groups, null);
    }

    public boolean known() {
      return user != null;
    }

    @JsonValue
    Object json() {
      if (!known()) {
        return "unknown";
      }
      return new KnownRequester(user, groups, onBehalfOf);
    }

    @JsonPropertyOrder({"user", "groups", "onBehalfOf"})
    private record KnownRequester(String user, List<String> groups,
        @JsonInclude(JsonInclude.Include.NON_NULL) OnBehalfOf onBehalfOf) {}

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Requester fromJson(JsonNode node) {
      if (node == null || node.isNull() || (node.isTextual() && "unknown".equals(node.asText()))) {
        return UNKNOWN;
      }
      List<String> groups = new ArrayList<>();
      node.path("groups").forEach(g -> groups.add(g.asText()));
      JsonNode behalf = node.path("onBehalfOf");
      return new Requester(node.path("user").isTextual() ? node.path("user").asText() : null, groups,
          behalf.isObject() ? OnBehalfOf.fromJson(behalf) : null);
    }
  }

  /**
   * For whom the operator asked: the CheckpointPolicy (in {@code forensicCheckpoint.namespace}) that
   * accepted an alert, and the alert as the operator recorded it (JSON text, verbatim).
   */
  @JsonPropertyOrder({"kind", "name", "alert"})
  public record OnBehalfOf(String kind, String name, @JsonInclude(JsonInclude.Include.NON_NULL) String alert) {

    static OnBehalfOf fromJson(JsonNode node) {
      return new OnBehalfOf(textOrNull(node, "kind"), textOrNull(node, "name"), textOrNull(node, "alert"));
    }

    private static String textOrNull(JsonNode node, String field) {
      return node.path(field).isTextual() ? node.path(field).asText() : null;
    }
  }

  /** The ForensicCheckpoint object that asked for this checkpoint. */
  @JsonPropertyOrder({"namespace", "name", "uid"})
  public record ObjectReference(String namespace, String name, String uid) {}

  /** When the checkpoint was requested (the object's creation), taken by the kubelet, and collected. RFC 3339, UTC. */
  @JsonPropertyOrder({"requested", "checkpointed", "collected"})
  public record Times(String requested, String checkpointed, String collected) {

    public static Times of(Instant requested, Instant checkpointed, Instant collected) {
      return new Times(text(requested), text(checkpointed), text(collected));
    }

    private static String text(Instant instant) {
      return instant == null ? null : instant.toString();
    }
  }

  /** The stored form: its digest and size (as the subject), and whether, and to whom, it is encrypted. */
  @JsonPropertyOrder({"sha256", "size", "encrypted", "recipients"})
  public record StoredForm(String sha256, long size, boolean encrypted, List<String> recipients) {

    public StoredForm {
      recipients = List.copyOf(recipients);
    }

    public static StoredForm of(CustodyCopy.Result copy) {
      return new StoredForm(copy.stored().sha256(), copy.stored().size(), copy.encrypted(),
          copy.recipientFingerprints());
    }

    public Measurement measurement() {
      return new Measurement(sha256, size);
    }
  }

  /** The program that wrote the record. */
  @JsonPropertyOrder({"name", "version"})
  public record Tool(String name, String version) {

    /** This build of the project, as the pom names it. */
    public static Tool current() {
      return new Tool("forensic-checkpoint", ProjectVersion.get());
    }
  }

  /** This record's place in a series of checkpoints of the same containers (issue 12 §5): index 0 first. */
  @JsonPropertyOrder({"index", "count"})
  public record SeriesPosition(int index, int count) {

    public SeriesPosition {
      if (index < 0 || count < 1 || index >= count) {
        throw new IllegalArgumentException("series position " + index + " of " + count
            + ": index must be at least 0 and below count");
      }
    }
  }

  /** The SHA-256 of the previous record of a series, over that record file's bytes (what {@code sha256sum} prints). */
  @JsonPropertyOrder({"sha256"})
  public record RecordDigest(String sha256) {

    public static RecordDigest of(byte[] recordFile) {
      return new RecordDigest(Measurement.of(recordFile).sha256());
    }
  }

  /**
   * Set only when the stored object is not a checkpoint archive but a fallback bundle (issue 12 §4):
   * the checkpoint failed for {@code checkpointFailureReason}, and the operator stored instead what
   * the API server showed of the pod, its events, the tail of its logs and its node (a JSON document,
   * docs/evidence.md "Fallback bundles"). Absent from archive records, so their bytes are unchanged.
   */
  @JsonPropertyOrder({"checkpointFailureReason", "checkpointFailureMessage"})
  public record FallbackBundle(String checkpointFailureReason, String checkpointFailureMessage) {}
}
