package io.ckpt.forensics.evidence;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A DSSE envelope (https://github.com/secure-systems-lab/dsse, protocol.md and envelope.md): a
 * payload, its type, and signatures over the pre-authentication encoding (PAE) of both, so that a
 * signature for one payload type cannot be passed off as one for another.
 */
public record DsseEnvelope(String payloadType, byte[] payload, List<Signature> signatures) {

  public DsseEnvelope {
    payload = payload.clone();
    signatures = List.copyOf(signatures);
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /** One signature: the signer's key ID (a hint for finding the key) and the signature bytes. */
  public record Signature(String keyId, byte[] sig) {
    public Signature {
      sig = sig.clone();
    }

    @Override
    public byte[] sig() {
      return sig.clone();
    }
  }

  /** Signs {@code payload} of {@code payloadType} with one key. */
  public static DsseEnvelope sign(String payloadType, byte[] payload, SigningKey key) {
    byte[] sig = key.sign(pae(payloadType, payload));
    return new DsseEnvelope(payloadType, payload, List.of(new Signature(key.verificationKey().keyId(), sig)));
  }

  /**
   * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the byte
   * length in ASCII decimal and type is UTF-8: what is signed.
   */
  public static byte[] pae(String payloadType, byte[] payload) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + type.length + 32);
    out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(type);
    out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  /** The envelope as compact JSON (standard base64 with padding), the same bytes for the same envelope. */
  public byte[] toJson() {
    List<JsonSignature> sigs = signatures.stream()
        .map(s -> new JsonSignature(s.keyId(), Base64.getEncoder().encodeToString(s.sig()))).toList();
    return CustodyJson.bytes(new JsonEnvelope(Base64.getEncoder().encodeToString(payload), payloadType, sigs));
  }

  /** Parses an envelope; the message says which field is missing or malformed. */
  public static DsseEnvelope parse(byte[] json) throws IOException {
    JsonNode root;
    try {
      root = CustodyJson.MAPPER.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException("not a DSSE envelope: the JSON is not an object");
    }
    byte[] payload = base64(root, "payload");
    JsonNode type = root.get("payloadType");
    if (type == null || !type.isTextual()) {
      throw new IOException("not a DSSE envelope: no payloadType string");
    }
    JsonNode sigs = root.get("signatures");
    if (sigs == null || !sigs.isArray() || sigs.isEmpty()) {
      throw new IOException("not a DSSE envelope: no signatures array, or an empty one");
    }
    List<Signature> signatures = new ArrayList<>();
    for (JsonNode s : sigs) {
      JsonNode keyId = s.get("keyid");
      signatures.add(new Signature(keyId != null && keyId.isTextual() ? keyId.asText() : "", base64(s, "sig")));
    }
    return new DsseEnvelope(type.asText(), payload, signatures);
  }

  private static byte[] base64(JsonNode parent, String field) throws IOException {
    JsonNode node = parent.get(field);
    if (node == null || !node.isTextual()) {
      throw new IOException("not a DSSE envelope: no " + field + " string");
    }
    String text = node.asText();
    try {
      // DSSE allows both alphabets, with or without padding
      return text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
          : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IOException("DSSE envelope: " + field + " is not base64 (" + e.getMessage() + ")", e);
    }
  }

  @JsonPropertyOrder({"payload", "payloadType", "signatures"})
  private record JsonEnvelope(String payload, String payloadType, List<JsonSignature> signatures) {}

  @JsonPropertyOrder({"keyid", "sig"})
  private record JsonSignature(@com.fasterxml.jackson.annotation.JsonProperty("keyid") String keyid, String sig) {}
}
