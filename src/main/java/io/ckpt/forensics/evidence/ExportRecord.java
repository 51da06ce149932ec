package io.ckpt.forensics.evidence;

import java.io.IOException;

/**
 * An export record as it is stored beside the evidence ({@code NAME.export.dsse.json}): an
 * {@link ExportStatement} in a signed DSSE envelope, compact JSON like the custody record.
 */
public record ExportRecord(DsseEnvelope envelope, ExportStatement statement) {

  /** Signs a statement; {@link #fileBytes()} is what to store. */
  public static ExportRecord sign(ExportStatement statement, SigningKey key) {
    return new ExportRecord(DsseEnvelope.sign(InTotoStatement.PAYLOAD_TYPE, CustodyJson.bytes(statement), key),
        statement);
  }

  /** The record file's bytes. */
  public byte[] fileBytes() {
    return envelope.toJson();
  }

  /** Reads a record file without checking its signature: the message says what is not an export record. */
  public static ExportRecord parse(byte[] file) throws IOException {
    DsseEnvelope envelope = DsseEnvelope.parse(file);
    if (!InTotoStatement.PAYLOAD_TYPE.equals(envelope.payloadType())) {
      throw new IOException("payloadType is \"" + envelope.payloadType() + "\", not \"" + InTotoStatement.PAYLOAD_TYPE
          + "\"");
    }
    com.fasterxml.jackson.databind.JsonNode tree;
    try {
      tree = CustodyJson.MAPPER.readTree(envelope.payload());
    } catch (IOException e) {
      throw new IOException("the payload is not JSON: " + e.getMessage(), e);
    }
    // the types first: a custody record's predicate would otherwise fail as a malformed export predicate
    String type = tree == null ? null : tree.path("_type").asText(null);
    if (!InTotoStatement.TYPE.equals(type)) {
      throw new IOException("_type is \"" + type + "\", not \"" + InTotoStatement.TYPE + "\"");
    }
    String predicateType = tree.path("predicateType").asText(null);
    if (!ExportPredicate.TYPE.equals(predicateType)) {
      throw new IOException("predicateType is \"" + predicateType + "\", not \"" + ExportPredicate.TYPE + "\""
          + (CustodyPredicate.TYPE.equals(predicateType) ? ": this is a custody record, not an export record" : ""));
    }
    ExportStatement statement;
    try {
      statement = CustodyJson.MAPPER.treeToValue(tree, ExportStatement.class);
    } catch (IOException | RuntimeException e) {
      throw new IOException("the payload is not an export statement: " + e.getMessage(), e);
    }
    if (statement.predicate() == null) {
      throw new IOException("the statement has no predicate");
    }
    if (statement.subject().size() != 1 || statement.subject().get(0).digest().get("sha256") == null) {
      throw new IOException("the statement must have exactly one subject with a sha256 digest, not "
          + statement.subject().size());
    }
    return new ExportRecord(envelope, statement);
  }

  /** The pushed image as the subject names it (REPOSITORY:TAG). */
  public String image() {
    return statement.subject().get(0).name();
  }

  /** The manifest digest as a registry writes it, {@code sha256:HEX}. */
  public String manifestDigest() {
    return "sha256:" + statement.subject().get(0).digest().get("sha256");
  }
}
