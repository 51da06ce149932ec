package io.ckpt.forensics.lab;

/** A raw HTTP answer: status, Content-Type (may be null) and body text, exactly as received. */
public record HttpResult(int status, String contentType, String body) {

  @Override
  public String toString() {
    return status + " (" + contentType + ") " + body;
  }
}
