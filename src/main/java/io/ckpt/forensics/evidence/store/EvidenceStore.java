package io.ckpt.forensics.evidence.store;

import java.io.IOException;
import java.io.InputStream;

/**
 * A write-once destination for evidence: each name is stored at most once, never replaced, and
 * read back and checked against its SHA-256 before {@link #store} returns. Memory use is bounded by
 * the destination (at most one upload part), whatever the size of what is stored.
 *
 * <p>Names are relative, {@code /}-separated paths of letters, digits, {@code .}, {@code _} and
 * {@code -} (for example {@code dev/nettools-inc42/nettools.tar}); {@link EvidenceName} says exactly
 * what is allowed.
 */
public interface EvidenceStore {

  /**
   * Streams {@code content} to the destination under {@code name} and returns where it now is. The
   * object becomes visible under its name only once every byte is written, its length and SHA-256
   * match what the caller expects, and it is durable; it is then read back and hashed again.
   *
   * @throws EvidenceExistsException when something is already stored under {@code name}; nothing
   *     is written then
   * @throws EvidenceDigestMismatchException when the bytes read do not match the expected length or
   *     SHA-256 (nothing is left behind), or the bytes read back differ from those written
   * @throws IOException when reading {@code content} or writing fails; nothing is left behind
   */
  StoredEvidence store(String name, EvidenceContent content) throws IOException;

  /** Opens what is stored under {@code name}, for reading it back; the caller closes the stream. */
  InputStream open(String name) throws IOException;

  /** Where {@code name} is, or would be, stored: a URI such as {@code s3://bucket/key} or {@code file:///path}. */
  String locationOf(String name);
}
