package io.ckpt.forensics.analysis;

/**
 * Environment values hold secrets (tokens, passwords); they are shown only with --show-secrets.
 * The variable names stay visible: an analyst needs to see that AWS_SECRET_ACCESS_KEY was set.
 */
public final class EnvironmentRedaction {

  /** What replaces a value. */
  public static final String REDACTED = "<redacted>";

  private final boolean showSecrets;

  /** With {@code showSecrets}, values are shown as they are (the user asked for them). */
  public EnvironmentRedaction(boolean showSecrets) {
    this.showSecrets = showSecrets;
  }

  /** The variable name of a "NAME=value" entry; always shown. */
  public String name(String entry) {
    int eq = entry.indexOf('=');
    return eq < 0 ? entry : entry.substring(0, eq);
  }

  /** The value of a "NAME=value" entry, or {@link #REDACTED}. */
  public String value(String entry) {
    int eq = entry.indexOf('=');
    if (eq < 0) {
      return "";
    }
    return showSecrets ? entry.substring(eq + 1) : REDACTED;
  }
}
