package io.ckpt.forensics.evidence.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an object was stored, and what was read back from there.
 *
 * @param location a URI: {@code s3://bucket/key} or {@code file:///path}
 * @param sha256 lower-case hex SHA-256 of the stored bytes, as read back
 * @param sizeBytes the stored size, as read back
 * @param versionId the object store's version of the object, where it has versions (S3 with Object Lock)
 * @param retainUntil until when the destination refuses to delete or change it, where it enforces that
 */
public record StoredEvidence(String location, String sha256, long sizeBytes, Optional<String> versionId,
    Optional<Instant> retainUntil) {

  public StoredEvidence {
    Objects.requireNonNull(location, "location");
    Sha256Tally.requireHex(sha256, "sha256");
    Objects.requireNonNull(versionId, "versionId");
    Objects.requireNonNull(retainUntil, "retainUntil");
  }
}
