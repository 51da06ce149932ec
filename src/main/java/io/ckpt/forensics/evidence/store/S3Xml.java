package io.ckpt.forensics.evidence.store;

import java.util.Optional;

/**
 * The little XML that {@link S3EvidenceStore} reads and writes: S3's answers are small (an upload ID,
 * an error's code and message) and come from a length-bounded read, so a string search is enough and
 * keeps an XML parser, and its classes, out of the collector.
 */
final class S3Xml {

  private S3Xml() {
  }

  /** The unescaped text of the first {@code <name>...</name>} in {@code xml}, if there is one. */
  static Optional<String> element(String xml, String name) {
    String open = "<" + name + ">";
    int start = xml.indexOf(open);
    if (start < 0) {
      return Optional.empty();
    }
    start += open.length();
    int end = xml.indexOf("</" + name + ">", start);
    return end < 0 ? Optional.empty() : Optional.of(unescape(xml.substring(start, end)));
  }

  /** Whether the answer is S3's error document, which CompleteMultipartUpload may send with status 200. */
  static boolean isError(String xml) {
    int start = xml.indexOf('<');
    // skip the XML declaration, if any
    if (xml.startsWith("<?", start)) {
      start = xml.indexOf('<', xml.indexOf("?>", start) + 2);
    }
    return start >= 0 && xml.startsWith("<Error>", start);
  }

  /** Text as the content of an element. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** Replaces XML's five predefined entities; {@code &amp;} last, so that {@code &amp;lt;} stays {@code &lt;}. */
  static String unescape(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
        .replace("&amp;", "&");
  }
}
