package io.ckpt.forensics.collector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.evidence.CustodyCopy;
import io.ckpt.forensics.evidence.CustodyPredicate;
import io.ckpt.forensics.evidence.CustodyPredicate.ObjectReference;
import io.ckpt.forensics.evidence.CustodyPredicate.Requester;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the operator knows about a checkpoint and hands to the collector in the environment variable
 * {@value #ENVIRONMENT_VARIABLE} (JSON): who asked, why, what was checkpointed where and when. Every
 * field may be absent; the record then says null (or "unknown" for the requester), never a guess.
 */
public record CollectFacts(Requester requestedBy, String reason, String caseId, ObjectReference forensicCheckpoint,
    String pod, String podUid, String container, String containerId, String image, String imageId, String node,
    String kubeletArchivePath, Instant requestedAt, Instant checkpointedAt,
    CustodyPredicate.FallbackBundle checkpointFailure) {

  public static final String ENVIRONMENT_VARIABLE = "FCP_COLLECT_FACTS";

  /** No facts at all: every field of the record is null, the requester "unknown". */
  public static final CollectFacts NONE = new CollectFacts(Requester.UNKNOWN, null, null, null, null, null, null, null,
      null, null, null, null, null, null, null);

  /** Parses the JSON; null or blank gives {@link #NONE}. The message names the field that is wrong. */
  public static CollectFacts parse(String json) {
    if (json == null || json.isBlank()) {
      return NONE;
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      // the parser's message quotes the input; the input is ours, but keep the message short
      throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + " is not JSON (line "
          + lineOf(e) + "); the operator writes it as a JSON object");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + " must be a JSON object");
    }
    JsonNode fcp = root.path("forensicCheckpoint");
    ObjectReference reference = fcp.isObject()
        ? new ObjectReference(text(fcp, "namespace"), text(fcp, "name"), text(fcp, "uid"))
        : null;
    return new CollectFacts(requester(root.path("requestedBy")), text(root, "reason"), text(root, "caseId"), reference,
        text(root, "pod"), text(root, "podUID"), text(root, "container"), text(root, "containerID"),
        text(root, "image"), text(root, "imageID"), text(root, "node"), text(root, "kubeletArchivePath"),
        time(root, "requestedAt"), time(root, "checkpointedAt"), checkpointFailure(root.path("checkpointFailure")));
  }

  /** The custody predicate for a copy made with these facts, collected at {@code collectedAt}. */
  public CustodyPredicate predicate(CustodyCopy.Result copy, Instant collectedAt) {
    return predicate(copy, collectedAt, SeriesLink.NONE);
  }

  /** The same, for a record at {@code link}'s place in a series. */
  public CustodyPredicate predicate(CustodyCopy.Result copy, Instant collectedAt, SeriesLink link) {
    return new CustodyPredicate(requestedBy, reason, caseId, forensicCheckpoint, pod, podUid, container, containerId,
        image, imageId, node, kubeletArchivePath, CustodyPredicate.Times.of(requestedAt, checkpointedAt, collectedAt),
        copy.plaintext(), CustodyPredicate.StoredForm.of(copy), CustodyPredicate.Tool.current(), link.position(),
        link.previous(), checkpointFailure);
  }

  /** Why the checkpoint failed, for a fallback bundle's record (issue 12 §4); null for an archive. */
  private static CustodyPredicate.FallbackBundle checkpointFailure(JsonNode node) {
    return optionalObject(node, "checkpointFailure", "reason and message")
        ? new CustodyPredicate.FallbackBundle(text(node, "reason"), text(node, "message")) : null;
  }

  private static Requester requester(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return Requester.UNKNOWN;
    }
    String user = node.path("username").isTextual() ? node.path("username").asText() : null;
    if (!node.isObject() || user == null || user.isEmpty()) {
      return Requester.UNKNOWN; // the record never guesses who asked
    }
    List<String> groups = new ArrayList<>();
    node.path("groups").forEach(g -> groups.add(g.asText()));
    return new Requester(user, groups, onBehalfOf(node.path("onBehalfOf")));
  }

  /** The policy and alert the operator acted for, as the admission policy wrote them; null when absent. */
  private static CustodyPredicate.OnBehalfOf onBehalfOf(JsonNode node) {
    return optionalObject(node, "requestedBy.onBehalfOf", "kind, name and alert")
        ? new CustodyPredicate.OnBehalfOf(text(node, "kind"), text(node, "name"), text(node, "alert")) : null;
  }

  /** True for an object, false for absent or null; anything else is refused, naming the field. */
  private static boolean optionalObject(JsonNode node, String field, String members) {
    if (node.isMissingNode() || node.isNull()) {
      return false;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + ": field \"" + field + "\" must be an object with "
          + members);
    }
    return true;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + ": field \"" + field + "\" must be a string");
    }
    return value.asText();
  }

  private static Instant time(JsonNode node, String field) {
    String value = text(node, field);
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + ": field \"" + field
          + "\" must be an RFC 3339 time such as 2026-12-01T06:00:00Z");
    }
  }

  private static String lineOf(IOException e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null) {
      return p.getLocation().getLineNr() + ", column " + p.getLocation().getColumnNr();
    }
    return "?";
  }
}
