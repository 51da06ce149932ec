package io.ckpt.forensics.evidence;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The SHA-256 (lowercase hex, as {@code sha256sum} prints it) and size in bytes of one byte
 * sequence: the plaintext archive or its stored form.
 */
@JsonPropertyOrder({"sha256", "size"})
public record Measurement(String sha256, long size) {

  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

  public Measurement {
    Objects.requireNonNull(sha256, "sha256");
    if (!HEX_SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits, not \"" + sha256 + "\"");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
  }

  /** The measurement of bytes held in memory (records, small test inputs). */
  public static Measurement of(byte[] bytes) {
    return new Measurement(HexFormat.of().formatHex(Sha256.digest(bytes)), bytes.length);
  }
}
