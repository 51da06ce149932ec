package io.ckpt.forensics.evidence;

import java.io.IOException;

/**
 * A custody record as it is stored beside the evidence: an in-toto statement in a signed DSSE
 * envelope, written as compact JSON (the {@code .dsse.json} file). The file's bytes are what a
 * later record of a series names as its previous record.
 */
public record CustodyRecord(DsseEnvelope envelope, InTotoStatement statement) {

  /** Signs a statement; {@link #fileBytes()} is what to store. */
  public static CustodyRecord sign(InTotoStatement statement, SigningKey key) {
    return new CustodyRecord(DsseEnvelope.sign(InTotoStatement.PAYLOAD_TYPE, CustodyJson.bytes(statement), key),
        statement);
  }

  /** The record file's bytes: the same for the same signed record. */
  public byte[] fileBytes() {
    return envelope.toJson();
  }

  /**
   * Reads a record file without checking its signature ({@link CustodyVerifier} does): the
   * message says what is not a custody record.
   */
  public static CustodyRecord parse(byte[] file) throws IOException {
    DsseEnvelope envelope = DsseEnvelope.parse(file);
    if (!InTotoStatement.PAYLOAD_TYPE.equals(envelope.payloadType())) {
      throw new IOException("payloadType is \"" + envelope.payloadType() + "\", not \"" + InTotoStatement.PAYLOAD_TYPE
          + "\"");
    }
    InTotoStatement statement;
    try {
      statement = CustodyJson.read(envelope.payload(), InTotoStatement.class);
    } catch (IOException | RuntimeException e) {
      throw new IOException("the payload is not a custody statement: " + e.getMessage(), e);
    }
    if (!InTotoStatement.TYPE.equals(statement.type())) {
      throw new IOException("_type is \"" + statement.type() + "\", not \"" + InTotoStatement.TYPE + "\"");
    }
    if (!CustodyPredicate.TYPE.equals(statement.predicateType())) {
      throw new IOException("predicateType is \"" + statement.predicateType() + "\", not \"" + CustodyPredicate.TYPE
          + "\"");
    }
    if (statement.predicate() == null) {
      throw new IOException("the statement has no predicate");
    }
    if (statement.subject().size() != 1 || statement.subject().get(0).digest().get("sha256") == null) {
      throw new IOException("the statement must have exactly one subject with a sha256 digest, not "
          + statement.subject().size());
    }
    return new CustodyRecord(envelope, statement);
  }

  /** The stored object's name, as the subject gives it. */
  public String subjectName() {
    return statement.subject().get(0).name();
  }

  /** The stored object's SHA-256, as the subject gives it. */
  public String subjectSha256() {
    return statement.subject().get(0).digest().get("sha256");
  }
}
