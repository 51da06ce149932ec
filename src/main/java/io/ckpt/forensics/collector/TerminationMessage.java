package io.ckpt.forensics.collector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The one JSON line a collector leaves in its termination log, which the operator reads from the
 * pod's status: version 1, {@code Stored} with where and what, or {@code Failed} with a reason and
 * a message (docs/collector.md). Never longer than {@value #MAX_BYTES} bytes with its newline: the
 * kubelet keeps no more. What does not fit is shortened where that loses nothing that checks
 * evidence: the message is trimmed, and recipients past the limit are counted instead of listed
 * (the custody record lists them all).
 */
public final class TerminationMessage {

  /** What the kubelet keeps of a termination message. */
  public static final int MAX_BYTES = 4096;
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ELLIPSIS = "...";
  private static final int MAX_NOTE_CHARS = 300;

  private TerminationMessage() {}

  /** The line of a collection that stored the evidence and its record. */
  public static String stored(Collected c) {
    List<String> recipients = c.copy().recipientFingerprints();
    // a side note, kept short so that what identifies the evidence always fits
    Optional<String> removalProblem = c.removalProblem().map(p -> p.length() <= MAX_NOTE_CHARS ? p
        : p.substring(0, MAX_NOTE_CHARS - ELLIPSIS.length()) + ELLIPSIS);
    for (int listed = recipients.size(); ; listed--) {
      ObjectNode line = JSON.createObjectNode();
      line.put("v", VERSION);
      line.put("result", "Stored");
      line.put("location", c.stored().location());
      line.put("sha256", c.copy().plaintext().sha256());
      line.put("sizeBytes", c.copy().plaintext().size());
      line.put("storedSha256", c.stored().sha256());
      line.put("storedBytes", c.stored().sizeBytes());
      line.put("encrypted", c.copy().encrypted());
      ArrayNode listedRecipients = line.putArray("recipients");
      recipients.subList(0, listed).forEach(listedRecipients::add);
      if (listed < recipients.size()) {
        line.put("recipientsNotListed", recipients.size() - listed);
      }
      line.put("recordLocation", c.recordLocation());
      line.put("signingKeyId", c.signingKeyId());
      line.put("collectedAt", c.collectedAt().toString());
      line.put("removedFromNode", c.removedFromNode());
      removalProblem.ifPresent(problem -> line.put("removalProblem", problem));
      String text = text(line);
      if (fits(text) || listed == 0) {
        return text; // at most two names of 1024 characters, digests and a short note: always fits unlisted
      }
    }
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

  private static String text(ObjectNode line) {
    try {
      return JSON.writeValueAsString(line) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
