package io.ckpt.forensics.collector;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What became of the checkpoint image a collector was asked to push (docs/export.md): pushed, or why
 * not. Either way the collection itself stands: the evidence is stored before the export starts.
 */
public sealed interface ExportResult {

  /** Why an export did not happen: the reasons ExportStatus.failure carries (docs/status-and-reasons.md). */
  enum FailureReason {
    /** The node's archive could not be read as a container checkpoint. */
    ArchiveUnreadable,
    /** The registry refused the credentials or the push (401, 403, 405, a denied scope). */
    PushRefused,
    /** The registry could not be reached or failed (connection, TLS, 5xx). */
    RegistryUnavailable,
    /** Anything else, such as a reference or a Docker config that cannot be used. */
    ExportError
  }

  /**
   * The image as the registry holds it.
   *
   * @param dropped what the sanitizer removed from the archive before building the image, "what: why"
   * @param recordLocation where the signed export record is stored (null until it is)
   */
  record Pushed(String image, String digest, String reference, List<String> dropped, Instant exportedAt,
      String recordLocation) implements ExportResult {

    /** A push whose export record is not stored yet. */
    public Pushed(String image, String digest, String reference, List<String> dropped, Instant exportedAt) {
      this(image, digest, reference, dropped, exportedAt, null);
    }

    /** The same push, its export record stored at {@code location}. */
    public Pushed withRecordLocation(String location) {
      return new Pushed(image, digest, reference, dropped, exportedAt, location);
    }

    public Pushed {
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(digest, "digest");
      Objects.requireNonNull(reference, "reference");
      dropped = List.copyOf(dropped);
      Objects.requireNonNull(exportedAt, "exportedAt");
    }
  }

  /** An export that did not happen; the message says what to do and never holds credentials. */
  record Failed(FailureReason reason, String message) implements ExportResult {
    public Failed {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }
}
