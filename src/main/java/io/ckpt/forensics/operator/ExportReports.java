package io.ckpt.forensics.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.analysis.UnsafeCharacters;
import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a collector pod that pushed a checkpoint image reports about it (docs/collector.md: the
 * termination message's {@code export} or {@code exportFailure}), as status keeps it. The node may
 * be compromised, so only the digest is taken from the report: image and reference are rebuilt from
 * the repository and tag the operator wrote into the pod's arguments (a node cannot point a restore at
 * another repository), reasons outside the closed set become ExportError, and every text is escaped.
 */
final class ExportReports {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Set<String> REASONS = Set.of(ExportFailure.ARCHIVE_UNREADABLE, ExportFailure.PUSH_REFUSED,
      ExportFailure.REGISTRY_UNAVAILABLE, ExportFailure.EXPORT_ERROR);
  /** The collector lists at most what fits in 1 KiB; a forged report is cut here as well. */
  private static final int MAX_DROPPED = 64;
  private static final int MAX_TEXT = 600;
  /** An evidence name has at most 1024 characters; a store's prefix and the suffix come on top. */
  private static final int MAX_LOCATION = 2048;

  private ExportReports() {
  }

  /**
   * The export of a collector pod that finished, stored the evidence and was asked to push; null
   * otherwise (not finished, not asked, or the collection failed: then there is nothing to push).
   */
  static ExportStatus read(Pod pod) {
    Optional<String> repository = argument(pod, CollectorPods.EXPORT_REPOSITORY);
    Optional<String> tag = argument(pod, CollectorPods.EXPORT_TAG);
    if (repository.isEmpty() || tag.isEmpty()) {
      return null;
    }
    String message = Optional.ofNullable(pod.getStatus()).map(s -> s.getContainerStatuses()).orElse(List.of())
        .stream().filter(s -> CollectorPods.CONTAINER.equals(s.getName())).map(ContainerStatus::getState)
        .filter(s -> s != null && s.getTerminated() != null).map(s -> s.getTerminated().getMessage())
        .findFirst().orElse(null);
    if (message == null || message.isBlank()) {
      return null;
    }
    JsonNode report;
    try {
      report = JSON.readTree(message);
    } catch (java.io.IOException | RuntimeException e) {
      return null; // CollectorPods.report says the collection failed; nothing was pushed after it
    }
    if (report == null || !"Stored".equals(report.path("result").asText())) {
      return null;
    }
    String ref = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    return status(report, repository.get(), tag.get(), ref);
  }

  static ExportStatus status(JsonNode report, String repository, String tag, String podRef) {
    JsonNode pushed = report.path("export");
    JsonNode failed = report.path("exportFailure");
    if (pushed.isObject()) {
      String digest = pushed.path("digest").asText("");
      if (!DIGEST.matcher(digest).matches()) {
        return failure(ExportFailure.EXPORT_ERROR, "collector pod " + podRef + " reported the digest "
            + shortText(digest) + ", which is not sha256:<64 hex digits>; the pushed image, if any, is not recorded");
      }
      ExportStatus status = new ExportStatus();
      status.setImage(repository + ":" + tag);
      status.setDigest(digest);
      status.setReference(repository + "@" + digest);
      List<String> dropped = new ArrayList<>();
      for (JsonNode d : pushed.path("droppedAnnotations")) {
        if (dropped.size() == MAX_DROPPED) {
          break;
        }
        dropped.add(shortText(d.asText()));
      }
      status.setDroppedAnnotations(dropped);
      status.setExportedAt(instant(pushed.path("exportedAt").asText("")));
      String recordLocation = pushed.path("recordLocation").asText("");
      if (recordLocation.isEmpty() && EXPORT_RECORD_SUFFIX.equals(pushed.path("recordSuffix").asText(""))
          && !report.path("location").asText("").isEmpty()) {
        // a collector whose line would not fit with the names in full gives the record's suffix to the evidence's location
        recordLocation = report.path("location").asText() + EXPORT_RECORD_SUFFIX;
      }
      // a location is written in full or not at all: a shortened one would point elsewhere
      if (!recordLocation.isEmpty() && recordLocation.length() <= MAX_LOCATION
          && UnsafeCharacters.escape(recordLocation).equals(recordLocation)) {
        status.setRecordLocation(recordLocation);
      }
      return status;
    }
    if (failed.isObject()) {
      String reason = failed.path("reason").asText("");
      return failure(REASONS.contains(reason) ? reason : ExportFailure.EXPORT_ERROR,
          shortText(failed.path("message").asText("the collector gave no message")));
    }
    return failure(ExportFailure.EXPORT_ERROR, "collector pod " + podRef + " stored the evidence but reported no"
        + " export (a collector image older than the operator?); build the image from the stored evidence with fcp"
        + " image (docs/export.md)");
  }

  private static ExportStatus failure(String reason, String message) {
    ExportStatus status = new ExportStatus();
    status.setFailure(new ExportFailure(reason, message));
    return status;
  }

  /** RFC 3339 as the collector writes it; anything else is not kept. */
  private static String instant(String text) {
    try {
      return Instant.parse(text).toString();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** What the collector appends to the evidence's name for the export record (EvidenceCollector.EXPORT_RECORD_SUFFIX). */
  static final String EXPORT_RECORD_SUFFIX = ".export.dsse.json";

  private static String shortText(String text) {
    String escaped = UnsafeCharacters.escape(text);
    return escaped.length() <= MAX_TEXT ? escaped : escaped.substring(0, MAX_TEXT - 3) + "...";
  }

  /** The value the operator wrote after {@code option} in the collector container's arguments. */
  private static Optional<String> argument(Pod pod, String option) {
    if (pod.getSpec() == null) {
      return Optional.empty();
    }
    for (Container c : pod.getSpec().getContainers()) {
      if (!CollectorPods.CONTAINER.equals(c.getName()) || c.getArgs() == null) {
        continue;
      }
      List<String> args = c.getArgs();
      int i = args.indexOf(option);
      if (i >= 0 && i + 1 < args.size()) {
        return Optional.of(args.get(i + 1));
      }
    }
    return Optional.empty();
  }
}
