package io.ckpt.forensics.collector;

/** Why a collection failed: the closed set the termination message carries (docs/collector.md). */
public enum FailureReason {
  /** The archive is missing, not a regular file, or cannot be read. */
  ArchiveUnreadable,
  /** Something is already stored under the name (or its record's name): evidence is never replaced. */
  StoreRefused,
  /** The destination failed: I/O, network, refused credentials. */
  StoreUnavailable,
  /** The bytes stored or read back differ from those read from the archive. */
  DigestMismatch,
  /** The signing key, the recipients or the store settings cannot be used. */
  BadConfiguration,
  /** Anything else. */
  CollectorError
}
