package io.ckpt.forensics.evidence;

import io.ckpt.forensics.evidence.CustodyPredicate.RecordDigest;
import io.ckpt.forensics.evidence.CustodyPredicate.SeriesPosition;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks stored evidence against its custody record, and a series of records against each other:
 * the signature, the stored bytes' digest and size, the plaintext's after decryption, and the
 * links of a series. Every check is reported, passed or not, so a person sees exactly what does
 * not match; the evidence is read once.
 */
public final class CustodyVerifier {

  private final VerificationKey key;
  private final OpenPgpDecryption decryption;

  /** The key signatures are checked with. */
  public VerificationKey key() {
    return key;
  }

  /** {@code decryption} may be null: the plaintext of encrypted evidence is then not checked. */
  public CustodyVerifier(VerificationKey key, OpenPgpDecryption decryption) {
    this.key = Objects.requireNonNull(key, "key");
    this.decryption = decryption;
  }

  /**
   * Checks one record and the evidence it describes (null: the record alone); with
   * {@code previousRecordFile} (null: none), also that the record names it as its predecessor.
   *
   * @throws KeyFileException when the decryption keys cannot open the evidence (not a recipient, wrong passphrase)
   */
  public List<VerificationCheck> verify(byte[] recordFile, InputStream evidence, byte[] previousRecordFile)
      throws IOException {
    List<VerificationCheck> checks = new ArrayList<>();
    CustodyRecord record = readSigned("", recordFile, checks);
    if (record == null) {
      return checks;
    }
    if (evidence != null) {
      checkEvidence(record, evidence, checks);
    }
    if (previousRecordFile != null) {
      CustodyRecord previous = readSigned("previous ", previousRecordFile, checks);
      checks.add(link("previous", previous, previousRecordFile, record));
      if (previous != null) {
        series("series", previous.statement().predicate().series(), record.statement().predicate().series())
            .ifPresent(checks::add);
      }
    }
    return checks;
  }

  /**
   * Checks a series given oldest first: every signature, that the first record has no predecessor,
   * that each names the file before it, and the series positions, so that a reordered, thinned or
   * cut-short series fails.
   */
  public List<VerificationCheck> verifyChain(List<byte[]> recordFiles) {
    List<VerificationCheck> checks = new ArrayList<>();
    CustodyRecord before = null;
    for (int i = 0; i < recordFiles.size(); i++) {
      String label = "record " + (i + 1) + " ";
      CustodyRecord record = readSigned(label, recordFiles.get(i), checks);
      if (record == null) {
        before = null;
        continue;
      }
      CustodyPredicate predicate = record.statement().predicate();
      if (i == 0) {
        checks.add(predicate.previous() == null
            ? VerificationCheck.passed(label + "previous", "none: the series starts here")
            : VerificationCheck.failed(label + "previous", "names a previous record (sha256 "
                + predicate.previous().sha256() + "): the chain given does not start at the first record"));
        SeriesPosition series = predicate.series();
        if (series != null && series.index() != 0) {
          checks.add(VerificationCheck.failed(label + "series", "position " + series.index()
              + ", not 0: the records before it are missing"));
        }
      } else {
        checks.add(link(label + "previous", before, recordFiles.get(i - 1), record));
        if (before != null) {
          series(label + "series", before.statement().predicate().series(), predicate.series()).ifPresent(checks::add);
        }
      }
      before = record;
    }
    if (before != null && before.statement().predicate().series() != null) {
      SeriesPosition last = before.statement().predicate().series();
      checks.add(last.index() + 1 == last.count()
          ? VerificationCheck.passed("series complete", "the last record is number " + last.count() + " of " + last.count())
          : VerificationCheck.failed("series complete", "the last record is number " + (last.index() + 1) + " of "
              + last.count() + ": the series is cut short"));
    }
    return checks;
  }

  private CustodyRecord readSigned(String label, byte[] file, List<VerificationCheck> checks) {
    DsseEnvelope envelope;
    try {
      envelope = DsseEnvelope.parse(file);
    } catch (IOException e) {
      checks.add(VerificationCheck.failed(label + "record", e.getMessage()));
      return null;
    }
    checks.add(signature(key, label + "signature", envelope));
    try {
      CustodyRecord record = CustodyRecord.parse(file);
      CustodyPredicate.FallbackBundle fallback = record.statement().predicate().fallbackBundle();
      checks.add(VerificationCheck.passed(label + "statement", "in-toto Statement v1, predicate "
          + CustodyPredicate.TYPE + ", subject " + record.subjectName() + (fallback == null ? ""
              : "; a FALLBACK BUNDLE, not a checkpoint: the checkpoint failed (" + fallback.checkpointFailureReason()
                  + "), this holds what the API server showed of the pod, its events, logs and node")));
      return record;
    } catch (IOException e) {
      checks.add(VerificationCheck.failed(label + "statement", e.getMessage()));
      return null;
    }
  }

  /** Whether any of the envelope's signatures verifies with {@code key}; the export record is checked the same way. */
  static VerificationCheck signature(VerificationKey key, String name, DsseEnvelope envelope) {
    byte[] pae = DsseEnvelope.pae(envelope.payloadType(), envelope.payload());
    List<String> named = new ArrayList<>();
    for (DsseEnvelope.Signature s : envelope.signatures()) {
      named.add(s.keyId().isEmpty() ? "(no keyid)" : s.keyId());
      // the keyid is only a hint: every signature is tried
      if (key.verifies(pae, s.sig())) {
        return VerificationCheck.passed(name, key.algorithm().scheme() + " signature by key " + key.keyId());
      }
    }
    boolean sameKey = named.contains(key.keyId());
    return VerificationCheck.failed(name, "no signature verifies with key " + key.keyId() + " ("
        + (sameKey ? "the record names this key: the record or its signature was altered"
            : "the record names key " + String.join(", ", named) + ": another key signed it, or it was altered")
        + ")");
  }

  private void checkEvidence(CustodyRecord record, InputStream evidence, List<VerificationCheck> checks)
      throws IOException {
    CustodyPredicate predicate = record.statement().predicate();
    Measurement claimedStored = new Measurement(record.subjectSha256(), predicate.stored().size());
    if (!record.subjectSha256().equals(predicate.stored().sha256())) {
      checks.add(VerificationCheck.failed("subject", "the subject's sha256 " + record.subjectSha256()
          + " differs from the predicate's stored.sha256 " + predicate.stored().sha256()));
    }
    MeasuringInputStream stored = new MeasuringInputStream(evidence);
    Measurement plaintext = null;
    String plaintextProblem = null;
    if (predicate.stored().encrypted() && decryption != null) {
      // one pass: the decryptor reads the stored bytes through the measuring stream
      try (InputStream clear = decryption.decrypt(stored)) {
        plaintext = new MeasuringInputStream(clear).drainAndMeasure();
      } catch (KeyFileException e) {
        throw e;
      } catch (IOException e) {
        plaintextProblem = "cannot decrypt: " + e.getMessage();
      }
    }
    Measurement actualStored = stored.drainAndMeasure();
    checks.add(compare("stored size", claimedStored.size() + " bytes", actualStored.size() + " bytes"));
    checks.add(compare("stored sha256", claimedStored.sha256(), actualStored.sha256()));
    if (!predicate.stored().encrypted()) {
      plaintext = actualStored;
    } else if (decryption == null) {
      checks.add(VerificationCheck.skipped("plaintext", "encrypted to " + String.join(", ",
          predicate.stored().recipients()) + "; give a recipient's secret key to check the plaintext digest"));
      return;
    }
    if (plaintext == null) {
      checks.add(VerificationCheck.failed("plaintext", plaintextProblem));
      return;
    }
    checks.add(compare("plaintext size", predicate.plaintext().size() + " bytes", plaintext.size() + " bytes"));
    checks.add(compare("plaintext sha256", predicate.plaintext().sha256(), plaintext.sha256()));
  }

  private static VerificationCheck compare(String name, String recorded, String actual) {
    return recorded.equals(actual) ? VerificationCheck.passed(name, actual)
        : VerificationCheck.failed(name, "the record says " + recorded + ", the evidence has " + actual);
  }

  private static VerificationCheck link(String name, CustodyRecord previous, byte[] previousFile, CustodyRecord record) {
    RecordDigest named = record.statement().predicate().previous();
    String actual = RecordDigest.of(previousFile).sha256();
    if (named == null) {
      return VerificationCheck.failed(name, "the record names no previous record, but " + actual + " was given before it");
    }
    if (!named.sha256().equals(actual)) {
      return VerificationCheck.failed(name, "the record names previous sha256 " + named.sha256()
          + ", the record before it has " + actual + " (reordered, missing, or altered)");
    }
    return VerificationCheck.passed(name, actual + (previous == null ? " (that record is unreadable)" : ""));
  }

  private static java.util.Optional<VerificationCheck> series(String name, SeriesPosition before, SeriesPosition now) {
    if (before == null && now == null) {
      return java.util.Optional.empty();
    }
    if (before == null || now == null) {
      return java.util.Optional.of(VerificationCheck.failed(name, "one record has a series position, the other none"));
    }
    if (now.count() != before.count() || now.index() != before.index() + 1) {
      return java.util.Optional.of(VerificationCheck.failed(name, "position " + now.index() + " of " + now.count()
          + " follows " + before.index() + " of " + before.count()));
    }
    return java.util.Optional.of(VerificationCheck.passed(name, "position " + now.index() + " of " + now.count()));
  }
}
