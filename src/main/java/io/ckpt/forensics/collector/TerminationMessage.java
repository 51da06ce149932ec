package io.ckpt.forensics.collector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.analysis.CapturedOverview;
import io.ckpt.forensics.analysis.UnsafeCharacters;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one JSON line a collector leaves in its termination log, which the operator reads from the
 * pod's status: version 1, {@code Stored} with where and what, or {@code Failed} with a reason and
 * a message (docs/collector.md). Never longer than {@value #MAX_BYTES} bytes with its newline: the
 * kubelet keeps no more. What does not fit is shortened where that loses nothing that checks
 * evidence: the message is trimmed, the summary's signs past the limit are counted instead of listed
 * (fcp summary shows them all), then recipients too (the custody record lists them all). An export's
 * result ({@code export} or {@code exportFailure}) has a budget of its own: its failure message is
 * trimmed, and what the sanitizer dropped is listed as far as {@value #MAX_DROPPED_BYTES} bytes go, then
 * counted ({@code fcp image} lists it all).
 */
public final class TerminationMessage {

  /** What the kubelet keeps of a termination message. */
  public static final int MAX_BYTES = 4096;
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ELLIPSIS = "...";
  private static final int MAX_NOTE_CHARS = 300;
  private static final int MAX_SIGN_CHARS = 200;
  private static final int MAX_EXPORT_MESSAGE_CHARS = 600;
  static final int MAX_DROPPED_BYTES = 1024;

  private TerminationMessage() {}

  /**
   * The line of a collection that stored the evidence and its record. What does not fit is left out
   * in this order: the summary's signs from the last (a last line counts them), then recipients,
   * then the summary itself.
   */
  public static String stored(Collected c) {
    return stored(c, Optional.empty());
  }

  /** The same, with what became of the checkpoint image the collector pushed after storing. */
  public static String stored(Collected c, Optional<ExportResult> export) {
    Optional<ObjectNode> exported = export.map(e -> exportNode(e, MAX_DROPPED_BYTES));
    List<String> recipients = c.copy().recipientFingerprints();
    List<String> signs = c.overview().map(o -> o.signs().stream().map(TerminationMessage::shortSign).toList())
        .orElse(List.of());
    for (int listedSigns = signs.size(); listedSigns >= 0; listedSigns--) {
      Optional<List<String>> listed = c.overview().isPresent() ? Optional.of(signsListed(signs, listedSigns))
          : Optional.empty();
      String text = stored(c, recipients.size(), listed, exported);
      if (fits(text)) {
        return text;
      }
    }
    List<String> noSigns = signs.isEmpty() ? List.of() : signsListed(signs, 0);
    for (int listed = recipients.size(); listed >= 0; listed--) {
      String text = stored(c, listed, c.overview().map(o -> noSigns), exported);
      if (fits(text)) {
        return text;
      }
    }
    String text = stored(c, 0, Optional.empty(), exported);
    if (fits(text)) {
      return text;
    }
    text = stored(c, 0, Optional.empty(), export.map(e -> exportNode(e, 0)));
    if (fits(text)) {
      return text;
    }
    // three names of 1024 characters, digests, short notes, two references: fits once the export record's
    // location, which is the evidence's with a suffix (every store appends the name), is given as that suffix
    return stored(c, 0, Optional.empty(), export.map(e -> exportNode(e, 0)).map(TerminationMessage::recordAsSuffix));
  }

  /** The export record's location replaced by its suffix to the evidence's location (docs/collector.md). */
  private static ObjectNode recordAsSuffix(ObjectNode node) {
    if (node.path("export").isObject() && node.path("export").has("recordLocation")) {
      ObjectNode pushed = (ObjectNode) node.get("export");
      pushed.remove("recordLocation");
      pushed.put("recordSuffix", EvidenceCollector.EXPORT_RECORD_SUFFIX);
    }
    return node;
  }

  /** The export's object: pushed (with what was dropped, within its budget) or failed (message trimmed). */
  private static ObjectNode exportNode(ExportResult result, int maxDroppedBytes) {
    ObjectNode node = JSON.createObjectNode();
    if (result instanceof ExportResult.Pushed p) {
      ObjectNode pushed = node.putObject("export");
      pushed.put("image", p.image());
      pushed.put("digest", p.digest());
      pushed.put("reference", p.reference());
      List<String> dropped = p.dropped().stream().map(TerminationMessage::shortSign).toList();
      int listed = dropped.size();
      while (listed > 0 && bytes(text(droppedArray(dropped, listed))) > maxDroppedBytes) {
        listed--;
      }
      pushed.set("droppedAnnotations", droppedArray(dropped, listed));
      pushed.put("exportedAt", p.exportedAt().toString());
      if (p.recordLocation() != null) {
        pushed.put("recordLocation", p.recordLocation());
      }
    } else if (result instanceof ExportResult.Failed f) {
      ObjectNode failed = node.putObject("exportFailure");
      failed.put("reason", f.reason().name());
      String message = UnsafeCharacters.escape(f.message());
      failed.put("message", message.length() <= MAX_EXPORT_MESSAGE_CHARS ? message
          : shortened(message, MAX_EXPORT_MESSAGE_CHARS - ELLIPSIS.length()));
    }
    return node;
  }

  /** The first {@code listed} removals, then one entry that counts the others. */
  private static ArrayNode droppedArray(List<String> dropped, int listed) {
    ArrayNode array = JSON.createArrayNode();
    dropped.subList(0, listed).forEach(array::add);
    if (listed < dropped.size()) {
      array.add("and " + (dropped.size() - listed) + " more: fcp image lists them all");
    }
    return array;
  }

  private static String stored(Collected c, int listedRecipients, Optional<List<String>> signs,
      Optional<ObjectNode> export) {
    List<String> recipients = c.copy().recipientFingerprints();
    // a side note, kept short so that what identifies the evidence always fits
    Optional<String> removalProblem = c.removalProblem().map(p -> p.length() <= MAX_NOTE_CHARS ? p
        : p.substring(0, MAX_NOTE_CHARS - ELLIPSIS.length()) + ELLIPSIS);
    ObjectNode line = JSON.createObjectNode();
    line.put("v", VERSION);
    line.put("result", "Stored");
    line.put("location", c.stored().location());
    line.put("sha256", c.copy().plaintext().sha256());
    line.put("sizeBytes", c.copy().plaintext().size());
    line.put("storedSha256", c.stored().sha256());
    line.put("storedBytes", c.stored().sizeBytes());
    line.put("encrypted", c.copy().encrypted());
    ArrayNode listed = line.putArray("recipients");
    recipients.subList(0, listedRecipients).forEach(listed::add);
    if (listedRecipients < recipients.size()) {
      line.put("recipientsNotListed", recipients.size() - listedRecipients);
    }
    line.put("recordLocation", c.recordLocation());
    if (c.recordSha256() != null) {
      line.put("recordSha256", c.recordSha256());
    }
    line.put("signingKeyId", c.signingKeyId());
    line.put("collectedAt", c.collectedAt().toString());
    line.put("removedFromNode", c.removedFromNode());
    removalProblem.ifPresent(problem -> line.put("removalProblem", problem));
    if (c.overview().isPresent() && signs.isPresent()) {
      CapturedOverview o = c.overview().get();
      ObjectNode summary = line.putObject("summary");
      summary.put("processes", o.processes());
      summary.put("listeningSockets", o.listeningSockets());
      o.architecture().ifPresent(a -> summary.put("architecture", shortSign(a)));
      ArrayNode listedSigns = summary.putArray("signs");
      signs.get().forEach(listedSigns::add);
      summary.put("filesWritten", o.filesWritten());
      summary.put("filesDeleted", o.filesDeleted());
      summary.put("filesInTmpfs", o.filesInTmpfs());
      ArrayNode topFiles = summary.putArray("topFiles");
      o.topFiles().forEach(f -> topFiles.add(shortSign(f)));
    }
    export.ifPresent(line::setAll);
    return text(line);
  }

  /** The first {@code listed} signs, then one line that counts the others. */
  private static List<String> signsListed(List<String> signs, int listed) {
    if (listed == signs.size()) {
      return signs;
    }
    List<String> out = new ArrayList<>(signs.subList(0, listed));
    out.add("and " + (signs.size() - listed) + " more: fcp summary lists them all");
    return out;
  }

  /**
   * One sign, readable on a terminal ({@code kubectl describe} prints it), at most
   * {@value #MAX_SIGN_CHARS} characters (a path from the archive can be long).
   */
  private static String shortSign(String text) {
    String sign = UnsafeCharacters.escape(text);
    return sign.length() <= MAX_SIGN_CHARS ? sign : shortened(sign, MAX_SIGN_CHARS - ELLIPSIS.length());
  }

  /** The line of a collection that failed. */
  public static String failed(FailureReason reason, String message) {
    ObjectNode line = JSON.createObjectNode();
    line.put("v", VERSION);
    line.put("result", "Failed");
    line.put("reason", reason.name());
    line.put("message", message == null ? "" : message);
    return withTrimmed(line, "message");
  }

  /** Keeps the longest start of one text field with which the line fits (escapes make bytes and characters differ). */
  private static String withTrimmed(ObjectNode line, String field) {
    String text = text(line);
    String value = line.path(field).asText();
    if (fits(text)) {
      return text;
    }
    int fitting = 0;
    int tooLong = value.length();
    while (tooLong - fitting > 1) {
      int keep = (fitting + tooLong) >>> 1;
      line.put(field, shortened(value, keep));
      if (fits(text(line))) {
        fitting = keep;
      } else {
        tooLong = keep;
      }
    }
    line.put(field, shortened(value, fitting));
    return text(line);
  }

  private static String shortened(String value, int keep) {
    if (keep > 0 && Character.isHighSurrogate(value.charAt(keep - 1))) {
      keep--; // never half a character
    }
    return value.substring(0, keep) + ELLIPSIS;
  }

  private static boolean fits(String text) {
    return bytes(text) <= MAX_BYTES;
  }

  private static int bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String text(com.fasterxml.jackson.databind.JsonNode line) {
    try {
      return JSON.writeValueAsString(line) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
