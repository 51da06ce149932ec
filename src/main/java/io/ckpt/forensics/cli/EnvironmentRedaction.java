package io.ckpt.forensics.cli;

/**
 * Environment values hold secrets (tokens, passwords); they are shown only with --show-secrets.
 * The variable names stay visible: an analyst needs to see that AWS_SECRET_ACCESS_KEY was set.
 */
final class EnvironmentRedaction {

  static final String REDACTED = "<redacted>";

  private final boolean showSecrets;

  EnvironmentRedaction(boolean showSecrets) {
    this.showSecrets = showSecrets;
  }

  String name(String entry) {
    int eq = entry.indexOf('=');
    return eq < 0 ? entry : entry.substring(0, eq);
  }

  String value(String entry) {
    int eq = entry.indexOf('=');
    if (eq < 0) {
      return "";
    }
    return showSecrets ? entry.substring(eq + 1) : REDACTED;
  }
}
