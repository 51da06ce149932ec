package io.ckpt.forensics.evidence;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks an export record: its signature, and that it names the custody record and the stored
 * evidence it is given, so that a record for another collection (or an altered one) fails.
 */
public final class ExportRecordVerifier {

  private final VerificationKey key;

  public ExportRecordVerifier(VerificationKey key) {
    this.key = Objects.requireNonNull(key, "key");
  }

  /**
   * @param custodyRecordFile the custody record the export must name (null: not checked)
   * @param evidenceSha256 the SHA-256 of the stored evidence the export must name (null: not checked)
   */
  public List<VerificationCheck> verify(byte[] exportRecordFile, byte[] custodyRecordFile, String evidenceSha256) {
    List<VerificationCheck> checks = new ArrayList<>();
    DsseEnvelope envelope;
    try {
      envelope = DsseEnvelope.parse(exportRecordFile);
    } catch (IOException e) {
      checks.add(VerificationCheck.failed("export record", e.getMessage()));
      return checks;
    }
    checks.add(CustodyVerifier.signature(key, "export signature", envelope));
    ExportRecord record;
    try {
      record = ExportRecord.parse(exportRecordFile);
    } catch (IOException e) {
      checks.add(VerificationCheck.failed("export statement", e.getMessage()));
      return checks;
    }
    ExportPredicate predicate = record.statement().predicate();
    checks.add(VerificationCheck.passed("export statement", "in-toto Statement v1, predicate " + ExportPredicate.TYPE
        + ", image " + record.image() + " manifest " + record.manifestDigest()));
    if (custodyRecordFile != null) {
      String actual = Measurement.of(custodyRecordFile).sha256();
      String named = predicate.custodyRecord().sha256();
      checks.add(actual.equals(named) ? VerificationCheck.passed("export names custody record", actual)
          : VerificationCheck.failed("export names custody record", "the export record names custody record " + named
              + " (" + predicate.custodyRecord().location() + "), the given record file has " + actual
              + ": it belongs to another collection, or one of the two was altered"));
    }
    if (evidenceSha256 != null) {
      String named = predicate.evidence().sha256();
      checks.add(evidenceSha256.equals(named) ? VerificationCheck.passed("export names evidence", named)
          : VerificationCheck.failed("export names evidence", "the export record names evidence " + named + " ("
              + predicate.evidence().location() + "), the given evidence has " + evidenceSha256));
    }
    return checks;
  }
}
