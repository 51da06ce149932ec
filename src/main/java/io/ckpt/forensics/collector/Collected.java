package io.ckpt.forensics.collector;

import io.ckpt.forensics.analysis.CapturedOverview;
import io.ckpt.forensics.evidence.CustodyCopy;
import io.ckpt.forensics.evidence.store.StoredEvidence;
import java.time.Instant;
import java.util.Optional;

/**
 * A collection that stored the evidence and its signed record.
 *
 * @param copy what was measured while reading the archive once
 * @param stored where the evidence is, as read back
 * @param recordLocation where its custody record is
 * @param signingKeyId the record's signing key
 * @param removedFromNode whether the node's copy was removed
 * @param removalProblem why removing it failed, when it was asked for and failed (the evidence is stored)
 * @param overview what the archive captured, read in the same pass; empty when it could not be read
 * @param recordSha256 the SHA-256 of the record file as the store read it back (a series' next record names it);
 *     null where not known
 */
public record Collected(CustodyCopy.Result copy, StoredEvidence stored, String recordLocation, String signingKeyId,
    Instant collectedAt, boolean removedFromNode, Optional<String> removalProblem, Optional<CapturedOverview> overview,
    String recordSha256) {

  /** A collection whose record's digest is not reported. */
  public Collected(CustodyCopy.Result copy, StoredEvidence stored, String recordLocation, String signingKeyId,
      Instant collectedAt, boolean removedFromNode, Optional<String> removalProblem,
      Optional<CapturedOverview> overview) {
    this(copy, stored, recordLocation, signingKeyId, collectedAt, removedFromNode, removalProblem, overview, null);
  }

  /** A collection without an overview of what was captured. */
  public Collected(CustodyCopy.Result copy, StoredEvidence stored, String recordLocation, String signingKeyId,
      Instant collectedAt, boolean removedFromNode, Optional<String> removalProblem) {
    this(copy, stored, recordLocation, signingKeyId, collectedAt, removedFromNode, removalProblem, Optional.empty());
  }
}
