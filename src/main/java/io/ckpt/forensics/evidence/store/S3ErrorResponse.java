package io.ckpt.forensics.evidence.store;

import java.io.IOException;
import java.util.Set;

/**
 * S3 answered, and refused: the HTTP status with S3's error code and message when the answer had
 * them (a HEAD answer has no body). The message carries only these, never a request header.
 */
final class S3ErrorResponse extends IOException {

  // what S3 asks to be retried, also inside a 200 answer of CompleteMultipartUpload
  private static final Set<String> RETRYABLE_CODES = Set.of("InternalError", "ServiceUnavailable", "SlowDown");

  private final int statusCode;
  private final String errorCode;
  private final String errorMessage;

  S3ErrorResponse(int statusCode, String errorCode, String errorMessage) {
    super("HTTP " + statusCode + (errorCode == null ? "" : " " + errorCode)
        + (errorMessage == null ? "" : ": " + errorMessage));
    this.statusCode = statusCode;
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
  }

  /** From an error document ({@code <Error><Code>...}), which may be empty. */
  static S3ErrorResponse of(int statusCode, String body) {
    return new S3ErrorResponse(statusCode, S3Xml.element(body, "Code").orElse(null),
        S3Xml.element(body, "Message").orElse(null));
  }

  int statusCode() {
    return statusCode;
  }

  /** S3's error code, such as {@code NoSuchBucket}; null when the answer had none. */
  String errorCode() {
    return errorCode;
  }

  /** S3's error message; null when the answer had none. */
  String errorMessage() {
    return errorMessage;
  }

  /** What the SDK retried too: the store's transient failures. */
  boolean retryable() {
    return statusCode == 500 || statusCode == 503 || (errorCode != null && RETRYABLE_CODES.contains(errorCode));
  }
}
