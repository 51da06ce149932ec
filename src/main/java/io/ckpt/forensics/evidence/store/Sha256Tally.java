package io.ckpt.forensics.evidence.store;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The SHA-256 and the count of the bytes that passed through one store operation, and the checks
 * the stores make with them. Kept to what the stores need (package-private).
 */
final class Sha256Tally {

  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int READ_BUFFER = 1 << 20;

  private final MessageDigest digest = newDigest();
  private long count;
  private String hex;

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** Reads {@code in} to its end, returning the tally of what it held. */
  static Sha256Tally of(InputStream in) throws IOException {
    Sha256Tally tally = new Sha256Tally();
    byte[] buffer = new byte[READ_BUFFER];
    for (int n; (n = in.read(buffer)) != -1; ) {
      tally.update(buffer, 0, n);
    }
    return tally;
  }

  static void requireHex(String sha256, String field) {
    if (sha256 == null || !HEX_SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(field + " must be a SHA-256 in lower-case hex (64 characters 0-9a-f); got "
          + (sha256 == null ? "none" : "'" + (sha256.length() > 80 ? sha256.substring(0, 80) + "..." : sha256) + "'"));
    }
  }

  void update(byte[] bytes, int offset, int length) {
    if (hex != null) {
      throw new IllegalStateException("tally already finished");
    }
    digest.update(bytes, offset, length);
    count += length;
  }

  long count() {
    return count;
  }

  /** The SHA-256 in lower-case hex; ends the tally. */
  String hex() {
    if (hex == null) {
      hex = HexFormat.of().formatHex(digest.digest());
    }
    return hex;
  }

  /**
   * Checks what was read from the caller's stream against the declared length and the expected
   * SHA-256 (asked for now, after the last byte). Called before anything becomes visible.
   */
  void requireExpected(EvidenceContent content, String location) throws EvidenceDigestMismatchException {
    if (content.length() != EvidenceContent.UNKNOWN_LENGTH && content.length() != count) {
      throw new EvidenceDigestMismatchException("read " + count + " bytes for " + location + " but " + content.length()
          + " were declared: nothing was stored (was the source truncated or still being written?)");
    }
    String expected = content.expectedSha256().get();
    requireHex(expected, "expectedSha256");
    if (!expected.equals(hex())) {
      throw new EvidenceDigestMismatchException("the " + count + " bytes read for " + location + " have SHA-256 " + hex()
          + " but " + expected + " was expected: nothing was stored (the source changed while it was read, or the"
          + " expected digest is of other bytes)");
    }
  }

  /** Checks what was read back from the destination against what was written. */
  void requireReadBack(Sha256Tally readBack, String location) throws EvidenceDigestMismatchException {
    if (readBack.count() != count || !readBack.hex().equals(hex())) {
      throw new EvidenceDigestMismatchException("read back " + readBack.count() + " bytes with SHA-256 " + readBack.hex()
          + " from " + location + " but wrote " + count + " bytes with SHA-256 " + hex() + ": the stored copy"
          + " differs; it stays in place (write-once), so check the destination and store the evidence again under"
          + " another name");
    }
  }
}
