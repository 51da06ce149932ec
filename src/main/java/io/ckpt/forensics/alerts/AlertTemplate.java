package io.ckpt.forensics.alerts;

import io.ckpt.forensics.api.CheckpointPolicySpec;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills a policy's reasonTemplate or caseIdTemplate from an alert. Alert text is untrusted: the reason
 * loses control characters and bidirectional overrides (the CRD would refuse them) and is cut at the
 * CRD's 1024; a caseId keeps only the characters its pattern allows.
 */
public final class AlertTemplate {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{(" + CheckpointPolicySpec.PLACEHOLDERS + ")\\}");
  private static final Pattern UNPRINTABLE = Pattern.compile("[\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]");
  static final int MAX_REASON = 1024;
  static final int MAX_CASE_ID = 128;

  private AlertTemplate() {
  }

  /** The values placeholders stand for; a missing one becomes the empty string. */
  public static String fill(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), "")));
      if (out.length() > 4 * MAX_REASON) {
        break;
      }
    }
    if (out.length() <= 4 * MAX_REASON) {
      m.appendTail(out);
    }
    return out.toString();
  }

  public static String reason(String template, Map<String, String> values) {
    String text = UNPRINTABLE.matcher(fill(template, values)).replaceAll(" ").strip();
    if (text.length() > MAX_REASON) {
      text = text.substring(0, MAX_REASON - 3) + "...";
    }
    return text;
  }

  /** Null when nothing usable is left. */
  public static String caseId(String template, Map<String, String> values) {
    String text = fill(template, values).replaceAll("[^A-Za-z0-9._:/#-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
    if (text.length() > MAX_CASE_ID) {
      text = text.substring(0, MAX_CASE_ID);
    }
    return text.isEmpty() ? null : text;
  }
}
