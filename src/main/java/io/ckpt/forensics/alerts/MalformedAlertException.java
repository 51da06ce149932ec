package io.ckpt.forensics.alerts;

/** A body that is not an alert the receiver understands; the message is short and safe to send back. */
public final class MalformedAlertException extends Exception {

  public MalformedAlertException(String message) {
    super(message);
  }
}
