package io.ckpt.forensics.collector;

import io.ckpt.forensics.evidence.CustodyRecord;
import io.ckpt.forensics.evidence.ExportRecord;
import io.ckpt.forensics.evidence.ExportStatement;
import io.ckpt.forensics.evidence.InTotoStatement;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.OpenPgpRecipient;
import io.ckpt.forensics.evidence.SigningKey;
import io.ckpt.forensics.evidence.store.EvidenceContent;
import io.ckpt.forensics.evidence.store.EvidenceDigestMismatchException;
import io.ckpt.forensics.evidence.store.EvidenceExistsException;
import io.ckpt.forensics.evidence.store.EvidenceStore;
import io.ckpt.forensics.evidence.store.StoredEvidence;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import io.ckpt.forensics.analysis.CapturedOverview;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Takes one archive into custody: reads it once into the store (hashing, optional encryption, the
 * store checking and reading back; a summary of what it captured is read from the same bytes), signs the custody record and stores it beside the evidence as
 * {@code NAME.dsse.json}, then, when asked, removes the node's copy: only once all of that succeeded.
 * Every failure becomes a {@link CollectionFailure} with its reason.
 */
public final class EvidenceCollector {

  /** The record's name beside the evidence's. */
  public static final String RECORD_SUFFIX = ".dsse.json";
  /** The export record's name beside the evidence's (docs/export.md). */
  public static final String EXPORT_RECORD_SUFFIX = ".export.dsse.json";
  /** How long the summary may take after the copy read the archive's last byte. */
  private static final Duration SUMMARY_WAIT = Duration.ofSeconds(10);
  /** A fallback bundle comes from a Secret, which holds at most 1 MiB. */
  public static final long MAX_BUNDLE_BYTES = 1 << 20;

  private final EvidenceStore store;
  private final SigningKey signingKey;
  private final List<OpenPgpRecipient> recipients;
  private final Clock clock;

  public EvidenceCollector(EvidenceStore store, SigningKey signingKey, List<OpenPgpRecipient> recipients, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
    this.recipients = List.copyOf(recipients);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Collects {@code archive} under {@code name}, with the operator's facts for the record. */
  public Collected collect(Path archive, String name, CollectFacts facts, boolean deleteAfterStore)
      throws CollectionFailure {
    return collect(archive, name, facts, SeriesLink.NONE, deleteAfterStore);
  }

  /** The same, for a record at {@code link}'s place in a series. */
  public Collected collect(Path archive, String name, CollectFacts facts, SeriesLink link, boolean deleteAfterStore)
      throws CollectionFailure {
    return collect(archive, name, facts, link, deleteAfterStore, () -> { });
  }

  /**
   * The same, running {@code whileStored} once the evidence and its record are stored and before the
   * node's copy is removed (the export reads the plaintext archive there); it must not throw.
   */
  public Collected collect(Path archive, String name, CollectFacts facts, SeriesLink link, boolean deleteAfterStore,
      Runnable whileStored) throws CollectionFailure {
    return collect(archive, name, facts, link, deleteAfterStore, custody -> whileStored.run());
  }

  /** What is stored once the custody record is: the evidence, its record, and the plaintext's SHA-256. */
  public record Custody(StoredEvidence evidence, StoredEvidence record, String plaintextSha256) {}

  /**
   * The same, handing {@code whileStored} what was stored (the export record names it); it runs once the
   * evidence and its record are stored and before the node's copy is removed, and must not throw.
   */
  public Collected collect(Path archive, String name, CollectFacts facts, SeriesLink link, boolean deleteAfterStore,
      java.util.function.Consumer<Custody> whileStored) throws CollectionFailure {
    long size = requireRegularFile(archive);
    PipedCustodyUpload.Uploaded uploaded = null;
    CapturedOverviewTap tap = null;
    try (InputStream in = open(archive)) {
      tap = new CapturedOverviewTap(new ArchiveInput(in, archive), archive);
      uploaded = PipedCustodyUpload.upload(tap, size, recipients, store, name);
    } catch (ArchiveReadException e) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, e.getMessage()
          + "; nothing was stored", e);
    } catch (PipedCustodyUpload.CopyFailedException e) {
      throw new CollectionFailure(FailureReason.CollectorError, e.getMessage() + "; nothing was stored", e);
    } catch (IOException e) {
      throw storeFailure(e, store.locationOf(name), "");
    } finally {
      if (uploaded == null && tap != null) {
        tap.abandon(); // the copy stopped (its thread is joined): the summary's reader must not wait for more
      }
    }
    StoredEvidence stored = uploaded.stored();
    Optional<CapturedOverview> overview = tap.overview(SUMMARY_WAIT);
    requireReadBackMatches(uploaded, "; the node's archive is kept");
    Instant collectedAt = clock.instant();
    StoredEvidence storedRecord = storeRecord(name, facts.predicate(uploaded.copy(), collectedAt, link), stored,
        "; the node's archive is kept");
    whileStored.accept(new Custody(stored, storedRecord, uploaded.copy().plaintext().sha256()));
    boolean removed = false;
    Optional<String> removalProblem = Optional.empty();
    if (deleteAfterStore) {
      try {
        Files.delete(archive);
        removed = true;
      } catch (IOException e) {
        // the evidence and its record are stored and verified: the collection succeeded, the node keeps a copy
        removalProblem = Optional.of("cannot remove " + archive + " from the node (" + e.getClass().getSimpleName()
            + "): mount its directory writable to let the collector remove it, or remove it by hand");
      }
    }
    return new Collected(uploaded.copy(), stored, storedRecord.location(),
        signingKey.verificationKey().keyId(), collectedAt, removed, removalProblem, overview, storedRecord.sha256());
  }

  /**
   * Takes a fallback bundle into custody (issue 12 §4): the JSON document the operator gathered
   * from the API server when the container's checkpoint failed, mounted from a Secret. Stored (and
   * encrypted, when recipients are given) and signed like an archive; the record says it is a fallback
   * bundle and why the checkpoint failed ({@code facts.checkpointFailure()}, required).
   */
  public Collected collectFallbackBundle(Path bundle, String name, CollectFacts facts) throws CollectionFailure {
    if (facts.checkpointFailure() == null) {
      throw new CollectionFailure(FailureReason.BadConfiguration, "a fallback bundle needs checkpointFailure in "
          + CollectFacts.ENVIRONMENT_VARIABLE + " (why the checkpoint failed); the operator writes it", null);
    }
    byte[] bytes = readBundle(bundle);
    PipedCustodyUpload.Uploaded uploaded;
    try {
      uploaded = PipedCustodyUpload.upload(new ByteArrayInputStream(bytes), bytes.length, recipients, store, name);
    } catch (PipedCustodyUpload.CopyFailedException e) {
      throw new CollectionFailure(FailureReason.CollectorError, e.getMessage() + "; nothing was stored", e);
    } catch (IOException e) {
      throw storeFailure(e, store.locationOf(name), "");
    }
    requireReadBackMatches(uploaded, "");
    Instant collectedAt = clock.instant();
    StoredEvidence storedRecord = storeRecord(name, facts.predicate(uploaded.copy(), collectedAt), uploaded.stored(),
        "");
    return new Collected(uploaded.copy(), uploaded.stored(), storedRecord.location(),
        signingKey.verificationKey().keyId(), collectedAt, false, Optional.empty());
  }

  /**
   * The bundle's bytes. A Secret volume's files are links into its current data directory (the
   * kubelet swaps that directory atomically), so one link is followed, but only to a regular file
   * inside the same volume: nothing else on the node is read.
   */
  private static byte[] readBundle(Path bundle) throws CollectionFailure {
    try {
      Path volume = bundle.toAbsolutePath().getParent().toRealPath();
      Path file = bundle.toRealPath();
      if (!file.startsWith(volume) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new CollectionFailure(FailureReason.ArchiveUnreadable, "fallback bundle " + bundle + " is not a"
            + " regular file inside its volume " + volume + "; nothing was stored", null);
      }
      if (Files.size(file) > MAX_BUNDLE_BYTES) {
        throw new CollectionFailure(FailureReason.ArchiveUnreadable, "fallback bundle " + bundle + " has "
            + Files.size(file) + " bytes, more than a bundle may (" + MAX_BUNDLE_BYTES + "); nothing was stored", null);
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, "fallback bundle " + bundle + " does not exist"
          + " (is its Secret mounted there?); nothing was stored", e);
    } catch (IOException e) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, "cannot read fallback bundle " + bundle + " ("
          + e.getClass().getSimpleName() + "); nothing was stored", e);
    }
  }

  /** The store's read-back must be what the copy wrote. */
  private static void requireReadBackMatches(PipedCustodyUpload.Uploaded uploaded, String afterwards)
      throws CollectionFailure {
    StoredEvidence stored = uploaded.stored();
    if (!stored.sha256().equals(uploaded.copy().stored().sha256())
        || stored.sizeBytes() != uploaded.copy().stored().size()) {
      throw new CollectionFailure(FailureReason.DigestMismatch, "the store read back " + stored.sizeBytes()
          + " bytes with SHA-256 " + stored.sha256() + " at " + stored.location() + ", the copy wrote "
          + uploaded.copy().stored().size() + " bytes with " + uploaded.copy().stored().sha256() + afterwards, null);
    }
  }

  /** Signs the record of {@code name} and stores it beside the evidence as {@code NAME.dsse.json}. */
  private StoredEvidence storeRecord(String name, io.ckpt.forensics.evidence.CustodyPredicate predicate,
      StoredEvidence stored, String afterwards) throws CollectionFailure {
    CustodyRecord record = CustodyRecord.sign(InTotoStatement.custody(name, predicate), signingKey);
    byte[] recordFile = record.fileBytes();
    String recordName = name + RECORD_SUFFIX;
    try {
      return store.store(recordName, EvidenceContent.of(new ByteArrayInputStream(recordFile),
          recordFile.length, Measurement.of(recordFile).sha256()));
    } catch (IOException e) {
      throw storeFailure(e, store.locationOf(recordName), " (the evidence itself is stored at " + stored.location()
          + " without its record" + afterwards + ")");
    }
  }

  /**
   * Signs an export record and stores it write-once beside the evidence as {@code NAME.export.dsse.json}.
   * A failure here is the export's, never the custody's: the evidence and its custody record are stored.
   */
  public StoredEvidence storeExportRecord(String name, ExportStatement statement) throws IOException {
    byte[] file = ExportRecord.sign(statement, signingKey).fileBytes();
    return store.store(name + EXPORT_RECORD_SUFFIX, EvidenceContent.of(new ByteArrayInputStream(file), file.length,
        Measurement.of(file).sha256()));
  }

  /** The archive's size; refuses anything but a regular file (a link could point anywhere on the node). */
  private static long requireRegularFile(Path archive) throws CollectionFailure {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(archive, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, "archive " + archive + " does not exist (was it"
          + " removed from the node, or is the node's checkpoint directory mounted elsewhere?)", e);
    } catch (IOException e) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, "cannot read the attributes of archive " + archive
          + " (" + e.getClass().getSimpleName() + ")", e);
    }
    if (!attributes.isRegularFile()) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, "archive " + archive + " is not a regular file ("
          + (attributes.isDirectory() ? "a directory" : attributes.isSymbolicLink() ? "a symbolic link" : "a special file")
          + "): give the path of the checkpoint archive the kubelet wrote", null);
    }
    return attributes.size();
  }

  private static InputStream open(Path archive) throws CollectionFailure {
    try {
      return Files.newInputStream(archive, LinkOption.NOFOLLOW_LINKS);
    } catch (AccessDeniedException e) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, "permission denied reading archive " + archive
          + " (the kubelet writes it owned by root, mode 0600: the collector must run as user 0)", e);
    } catch (IOException e) {
      throw new CollectionFailure(FailureReason.ArchiveUnreadable, "cannot open archive " + archive + " ("
          + e.getClass().getSimpleName() + ")", e);
    }
  }

  private static CollectionFailure storeFailure(IOException e, String location, String afterwards) {
    if (e instanceof EvidenceExistsException) {
      return new CollectionFailure(FailureReason.StoreRefused, e.getMessage() + afterwards, e);
    }
    if (e instanceof EvidenceDigestMismatchException) {
      return new CollectionFailure(FailureReason.DigestMismatch, e.getMessage() + afterwards, e);
    }
    // the stores' messages name the object and the fix, and never carry credentials
    return new CollectionFailure(FailureReason.StoreUnavailable, "storing " + location + " failed: " + e.getMessage()
        + afterwards, e);
  }
}
