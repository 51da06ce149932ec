package io.ckpt.forensics.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.evidence.ProjectVersion;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The fallback bundle of a container whose checkpoint failed (issue 12 §4): one JSON document with
 * what the API server showed of the pod, its container statuses, the pod's newest events, the tail
 * of each container's log and the node's info, as the operator read them. All of it may be written
 * by the attacker (the workload writes its logs, the node its own status, anyone who may create
 * Events in the namespace can forge them), so every value is copied as data, never interpreted;
 * text goes through JSON's escaping with every non-ASCII character escaped too (the document reads
 * safely on a terminal), a log that is not UTF-8 is kept as base64, and each part has a bound. What
 * a bound or an unavailable part left out is listed in the document itself.
 */
final class FallbackBundle {

  /** The document's own format; docs/evidence.md describes it. */
  static final String KIND = "ForensicCheckpointFallbackBundle";
  static final int VERSION = 1;
  /** The whole document: it travels in a Secret (at most 1 MiB), with room for the Secret's own fields. */
  static final int MAX_BYTES = 768 * 1024;
  /** What is read of each container's log, at most: its last bytes. */
  static final int LOG_BYTES = 64 * 1024;
  /** What is read of each log (limitBytes): the API serves it from the start of the last lines asked for. */
  static final int LOG_READ_WINDOW = 4 * LOG_BYTES;
  /** Lines asked for from each log's end. */
  static final int LOG_LINES = 2000;
  /** All logs together, split evenly between the containers before any further shortening. */
  static final int ALL_LOGS_BYTES = 320 * 1024;
  static final int MAX_EVENTS = 50;
  /** One event's or node condition's message. */
  static final int MAX_TEXT_CHARS = 1024;
  /** The pod object; past this its annotations are left out, then all but its identity and status. */
  static final int MAX_POD_BYTES = 256 * 1024;
  static final int MAX_NODE_CONDITIONS = 32;

  private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  /**
   * One container's log tail as read: {@code tail} null when {@code unavailable} says why;
   * {@code endMissing} when the read stopped at its window, so the log's last bytes may be missing.
   */
  record Log(String container, byte[] tail, boolean endMissing, String unavailable) {
    static Log unavailable(String container, String why) {
      return new Log(container, null, false, why);
    }
  }

  /**
   * What the operator read; a part that could not be read is null with a reason in its
   * {@code ...Unavailable} field ("logs unavailable" and the like are recorded, never a failure).
   */
  record Input(ForensicCheckpoint fcp, ContainerCheckpointStatus failed, Instant gatheredAt, Pod pod,
      String podUnavailable, List<Event> events, boolean moreEvents, String eventsUnavailable, List<Log> logs,
      Node node, String nodeUnavailable) {
  }

  private FallbackBundle() {
  }

  /** The document's bytes (UTF-8, ASCII only), at most {@link #MAX_BYTES}. */
  static byte[] build(Input in) {
    int logs = Math.max(1, in.logs().size());
    int perLog = Math.min(LOG_BYTES, ALL_LOGS_BYTES / logs);
    boolean slimPod = false;
    int events = MAX_EVENTS;
    // Escaping can make text up to six times longer: shorten the logs first, then the rest, until it fits.
    for (int round = 0; round < 16; round++) {
      byte[] bytes = bytes(document(in, perLog, slimPod, events));
      if (bytes.length <= MAX_BYTES) {
        return bytes;
      }
      if (perLog > 1024) {
        perLog /= 2;
      } else if (!slimPod) {
        slimPod = true;
      } else if (events > 0) {
        events /= 2;
      } else {
        perLog = 0;
      }
    }
    throw new IllegalStateException("the fallback bundle does not fit in " + MAX_BYTES + " bytes even without logs"
        + " and events");
  }

  private static ObjectNode document(Input in, int perLog, boolean slimPod, int maxEvents) {
    List<String> omitted = new ArrayList<>();
    ObjectNode doc = JSON.createObjectNode();
    doc.put("kind", KIND);
    doc.put("version", VERSION);
    var meta = in.fcp().getMetadata();
    var c = in.failed();
    doc.put("note", "The checkpoint of container " + c.getName() + " failed, so no archive exists. This is what"
        + " the Kubernetes API server showed at gatheredAt, copied as it was: the workload writes its logs, the node"
        + " its own status, and whoever may create Events in the namespace can forge them.");
    doc.putObject("forensicCheckpoint").put("namespace", meta.getNamespace()).put("name", meta.getName())
        .put("uid", meta.getUid());
    doc.put("container", c.getName());
    ObjectNode failure = doc.putObject("checkpointFailure");
    failure.put("reason", c.getFailure() == null ? null : c.getFailure().getReason().name());
    failure.put("message", c.getFailure() == null ? null : c.getFailure().getMessage());
    failure.put("httpStatus", c.getFailure() == null ? null : c.getFailure().getHttpStatus());
    failure.put("attempts", c.getAttempts());
    failure.put("containerID", c.getContainerID());
    doc.put("gatheredAt", in.gatheredAt().toString());
    doc.put("gatheredBy", "forensic-checkpoint-operator " + ProjectVersion.get());
    ObjectNode bounds = doc.putObject("bounds");
    bounds.put("logBytesPerContainer", perLog);
    bounds.put("logLinesAsked", LOG_LINES);
    bounds.put("events", maxEvents);
    bounds.put("textChars", MAX_TEXT_CHARS);

    if (in.pod() != null) {
      doc.set("pod", pod(in.pod(), slimPod, omitted));
      ArrayNode statuses = doc.putArray("containerStatuses");
      if (in.pod().getStatus() != null) {
        for (var list : Arrays.asList(in.pod().getStatus().getInitContainerStatuses(),
            in.pod().getStatus().getContainerStatuses(), in.pod().getStatus().getEphemeralContainerStatuses())) {
          if (list != null) {
            list.forEach(s -> statuses.add(JSON.valueToTree(s)));
          }
        }
      }
    } else {
      doc.putNull("pod");
      doc.put("podUnavailable", in.podUnavailable());
    }

    if (in.events() != null) {
      List<Event> newest = in.events().stream().sorted(Comparator.comparing(FallbackBundle::when,
          Comparator.nullsLast(Comparator.reverseOrder()))).limit(maxEvents).toList();
      ArrayNode events = doc.putArray("events");
      newest.forEach(e -> events.add(event(e)));
      int left = in.events().size() - newest.size();
      if (left > 0 || in.moreEvents()) {
        omitted.add("events: " + (left > 0 ? left + " older ones" : "") + (left > 0 && in.moreEvents() ? " and " : "")
            + (in.moreEvents() ? "more that were not listed" : ""));
      }
    } else {
      doc.putNull("events");
      doc.put("eventsUnavailable", in.eventsUnavailable());
    }

    ArrayNode logs = doc.putArray("logs");
    for (Log log : in.logs()) {
      logs.add(log(log, perLog, omitted));
    }

    if (in.node() != null) {
      doc.set("node", node(in.node(), omitted));
    } else {
      doc.putNull("node");
      doc.put("nodeUnavailable", in.nodeUnavailable());
    }
    ArrayNode left = doc.putArray("omitted");
    omitted.forEach(left::add);
    return doc;
  }

  /** The pod without managedFields (bookkeeping of who wrote which field, and large); smaller when it must be. */
  private static JsonNode pod(Pod pod, boolean slim, List<String> omitted) {
    ObjectNode tree = JSON.valueToTree(pod);
    ObjectNode metadata = (ObjectNode) tree.path("metadata");
    if (metadata.isObject()) {
      metadata.remove("managedFields");
    }
    if (!slim && bytes(tree).length <= MAX_POD_BYTES) {
      return tree;
    }
    if (metadata.isObject() && metadata.has("annotations")) {
      metadata.remove("annotations");
      omitted.add("pod: metadata.annotations, to fit the bundle");
    }
    if (!slim && bytes(tree).length <= MAX_POD_BYTES) {
      return tree;
    }
    ObjectNode identity = JSON.createObjectNode();
    ObjectNode idMeta = identity.putObject("metadata");
    for (String field : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp")) {
      if (metadata.has(field)) {
        idMeta.set(field, metadata.get(field));
      }
    }
    identity.putObject("spec").set("nodeName", tree.path("spec").path("nodeName"));
    identity.set("status", tree.path("status"));
    omitted.add("pod: all but its identity, node and status (it was larger than " + MAX_POD_BYTES + " bytes)");
    return identity;
  }

  private static String when(Event e) {
    if (e.getLastTimestamp() != null) {
      return e.getLastTimestamp();
    }
    if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
      return e.getEventTime().getTime();
    }
    return e.getMetadata() == null ? null : e.getMetadata().getCreationTimestamp();
  }

  private static ObjectNode event(Event e) {
    ObjectNode out = JSON.createObjectNode();
    out.put("type", text(e.getType()));
    out.put("reason", text(e.getReason()));
    out.put("message", text(e.getMessage()));
    out.put("count", e.getCount());
    out.put("firstTimestamp", e.getFirstTimestamp());
    out.put("lastTimestamp", e.getLastTimestamp());
    out.put("eventTime", e.getEventTime() == null ? null : e.getEventTime().getTime());
    out.put("reportingController", text(e.getReportingComponent()));
    out.put("reportingInstance", text(e.getReportingInstance()));
    if (e.getSource() != null) {
      out.putObject("source").put("component", text(e.getSource().getComponent()))
          .put("host", text(e.getSource().getHost()));
    }
    if (e.getInvolvedObject() != null) {
      out.putObject("involvedObject").put("kind", e.getInvolvedObject().getKind())
          .put("name", text(e.getInvolvedObject().getName())).put("uid", e.getInvolvedObject().getUid())
          .put("fieldPath", text(e.getInvolvedObject().getFieldPath()));
    }
    out.put("name", e.getMetadata() == null ? null : e.getMetadata().getName());
    return out;
  }

  /**
   * The log's last {@code budget} bytes, started at a character boundary; as text when they are
   * UTF-8, else as base64, so that nothing is lost or altered either way.
   */
  private static ObjectNode log(Log log, int budget, List<String> omitted) {
    ObjectNode out = JSON.createObjectNode();
    out.put("container", log.container());
    if (log.tail() == null) {
      out.putNull("text");
      out.put("unavailable", log.unavailable());
      return out;
    }
    byte[] bytes = log.tail();
    boolean cut = false;
    if (bytes.length > budget) {
      int from = bytes.length - budget;
      while (from < bytes.length && (bytes[from] & 0xC0) == 0x80) {
        from++; // never half a character
      }
      bytes = Arrays.copyOfRange(bytes, from, bytes.length);
      cut = true;
    }
    String text = utf8(bytes);
    if (text != null) {
      out.put("encoding", "utf-8");
      out.put("text", text);
    } else {
      out.put("encoding", "base64");
      out.put("base64", Base64.getEncoder().encodeToString(bytes));
    }
    out.put("bytes", bytes.length);
    out.put("startCut", cut);
    out.put("endMayBeMissing", log.endMissing());
    if (cut) {
      omitted.add("logs: all but the last " + bytes.length + " bytes read of container " + log.container()
          + "'s log");
    }
    if (log.endMissing()) {
      omitted.add("logs: container " + log.container() + "'s last " + LOG_LINES + " lines are longer than the "
          + LOG_READ_WINDOW + " bytes read; its very end may be missing");
    }
    return out;
  }

  private static JsonNode node(Node node, List<String> omitted) {
    ObjectNode out = JSON.createObjectNode();
    out.put("name", node.getMetadata() == null ? null : node.getMetadata().getName());
    out.put("uid", node.getMetadata() == null ? null : node.getMetadata().getUid());
    var status = node.getStatus();
    if (status == null) {
      out.putNull("nodeInfo");
      return out;
    }
    ObjectNode info = JSON.valueToTree(status.getNodeInfo());
    if (info != null) {
      var fields = new ArrayList<String>();
      info.fieldNames().forEachRemaining(fields::add);
      fields.forEach(f -> {
        if (info.get(f).isTextual()) {
          info.put(f, text(info.get(f).asText()));
        }
      });
    }
    out.set("nodeInfo", info);
    ArrayNode conditions = out.putArray("conditions");
    if (status.getConditions() != null) {
      status.getConditions().stream().limit(MAX_NODE_CONDITIONS).forEach(c -> conditions.add(JSON.createObjectNode()
          .put("type", text(c.getType())).put("status", text(c.getStatus())).put("reason", text(c.getReason()))
          .put("message", text(c.getMessage())).put("lastHeartbeatTime", c.getLastHeartbeatTime())
          .put("lastTransitionTime", c.getLastTransitionTime())));
      if (status.getConditions().size() > MAX_NODE_CONDITIONS) {
        omitted.add("node: " + (status.getConditions().size() - MAX_NODE_CONDITIONS) + " conditions");
      }
    }
    ArrayNode addresses = out.putArray("addresses");
    if (status.getAddresses() != null) {
      status.getAddresses().stream().limit(MAX_NODE_CONDITIONS).forEach(a -> addresses.add(JSON.createObjectNode()
          .put("type", text(a.getType())).put("address", text(a.getAddress()))));
    }
    return out;
  }

  /** A text field of at most {@link #MAX_TEXT_CHARS} characters, marked where it was cut. */
  static String text(String value) {
    if (value == null || value.length() <= MAX_TEXT_CHARS) {
      return value;
    }
    int keep = MAX_TEXT_CHARS;
    if (Character.isHighSurrogate(value.charAt(keep - 1))) {
      keep--;
    }
    return value.substring(0, keep) + "...[" + (value.length() - keep) + " more characters]";
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static byte[] bytes(JsonNode tree) {
    try {
      return JSON.writeValueAsBytes(Objects.requireNonNull(tree));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
