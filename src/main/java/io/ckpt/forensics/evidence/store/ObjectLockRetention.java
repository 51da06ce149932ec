package io.ckpt.forensics.evidence.store;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The S3 Object Lock retention set on every object at upload: its mode and how long from the upload
 * it lasts. In {@link Mode#COMPLIANCE} nobody, the bucket's owner included, can delete the object
 * version or shorten its retention before it ends; in {@link Mode#GOVERNANCE} a principal with
 * {@code s3:BypassGovernanceRetention} can.
 */
public record ObjectLockRetention(Mode mode, Duration period) {

  /** S3's two retention modes. */
  public enum Mode {
    GOVERNANCE, COMPLIANCE;

    /** Parses a mode, naming {@code field} and the allowed values when it is neither. */
    public static Mode parse(String value, String field) {
      try {
        return valueOf(Objects.requireNonNull(value, field).trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + " must be GOVERNANCE or COMPLIANCE; got '" + value + "'", e);
      }
    }
  }

  /** S3 refuses retention beyond 100 years. */
  static final Duration LONGEST = Duration.ofDays(36_500);

  public ObjectLockRetention {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(period, "period");
    if (period.compareTo(Duration.ofDays(1)) < 0 || period.compareTo(LONGEST) > 0) {
      throw new IllegalArgumentException("Object Lock retention period must be between 1 day and 36500 days; got "
          + period);
    }
  }
}
