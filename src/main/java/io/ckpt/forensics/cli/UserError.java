package io.ckpt.forensics.cli;

/** A mistake in the command line or a request the archive cannot answer; printed without a stack trace. */
final class UserError extends Exception {

  private static final long serialVersionUID = 1L;

  UserError(String message) {
    super(message);
  }
}
