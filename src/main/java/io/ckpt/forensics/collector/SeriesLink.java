package io.ckpt.forensics.collector;

import io.ckpt.forensics.evidence.CustodyPredicate.RecordDigest;
import io.ckpt.forensics.evidence.CustodyPredicate.SeriesPosition;
import java.util.regex.Pattern;

/**
 * Where a custody record stands in a series (issue 12 §5): its position, and the digest of the
 * record before it, which the record names so that a reordered or thinned series fails
 * {@code fcp verify --chain}. Both null outside a series.
 */
public record SeriesLink(SeriesPosition position, RecordDigest previous) {

  public static final SeriesLink NONE = new SeriesLink(null, null);

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /**
   * A link at {@code index} of {@code count}; {@code previousSha256} null for a record with no
   * predecessor (the first round, or when every earlier round failed).
   */
  public static SeriesLink of(int index, int count, String previousSha256) {
    SeriesPosition position = new SeriesPosition(index, count);
    if (previousSha256 == null) {
      return new SeriesLink(position, null);
    }
    if (!SHA256.matcher(previousSha256).matches()) {
      throw new IllegalArgumentException("--previous-record-sha256 must be 64 lower-case hex digits (the SHA-256 of"
          + " the previous record file, as sha256sum prints it)");
    }
    if (index == 0) {
      throw new IllegalArgumentException("--previous-record-sha256 with --series-index 0: the first record of a"
          + " series has no previous record");
    }
    return new SeriesLink(position, new RecordDigest(previousSha256));
  }
}
