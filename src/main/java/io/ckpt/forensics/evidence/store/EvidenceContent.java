package io.ckpt.forensics.evidence.store;

import java.io.InputStream;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What to store: a stream read once to its end, its length when known, and the SHA-256 the stored
 * bytes must have.
 *
 * <p>The expected SHA-256 is asked for only after the stream has been read to its end and before
 * anything becomes visible, so a caller that hashes the bytes as they pass (the collector, reading
 * an archive once) can give its own result, and the store checks it against its own hash of the
 * same bytes.
 *
 * @param stream the bytes; read to its end, not closed by the store
 * @param length the number of bytes, or {@link #UNKNOWN_LENGTH}; when known, a different count fails
 * @param expectedSha256 lower-case hex SHA-256 of the bytes, asked for once after the last byte
 */
public record EvidenceContent(InputStream stream, long length, Supplier<String> expectedSha256) {

  public static final long UNKNOWN_LENGTH = -1;

  public EvidenceContent {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(expectedSha256, "expectedSha256");
    if (length < UNKNOWN_LENGTH) {
      throw new IllegalArgumentException("length must be at least 0, or UNKNOWN_LENGTH (-1); got " + length);
    }
  }

  /** Content whose SHA-256 the caller knows before storing it. */
  public static EvidenceContent of(InputStream stream, long length, String expectedSha256) {
    Sha256Tally.requireHex(expectedSha256, "expectedSha256");
    return new EvidenceContent(stream, length, () -> expectedSha256);
  }

  /** Content whose SHA-256 the caller computes while the store reads it: {@code expectedSha256} is asked after the last byte. */
  public static EvidenceContent hashedAlongside(InputStream stream, long length, Supplier<String> expectedSha256) {
    return new EvidenceContent(stream, length, expectedSha256);
  }
}
