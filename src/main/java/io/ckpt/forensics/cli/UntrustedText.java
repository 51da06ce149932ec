package io.ckpt.forensics.cli;

import com.fasterxml.jackson.core.SerializableString;
import io.ckpt.forensics.analysis.UnsafeCharacters;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * The one sanitizer for text that comes from an archive or a cluster object (process names,
 * command lines, paths, annotations, member names in error messages): control characters and
 * bidirectional formatting characters are shown escaped, so a hostile archive cannot move the
 * cursor, recolour or clear the analyst's terminal, or reorder what the analyst reads.
 *
 * <p>Escaped: C0 (U+0000–U+001F, including tab and newline, which would forge tree or table
 * lines), DEL (U+007F), C1 (U+0080–U+009F, CSI U+009B among them), the bidi embeddings and
 * overrides U+202A–U+202E, the isolates U+2066–U+2069, and the marks U+200E, U+200F and U+061C.
 * Text output shows them as {@code \xNN} (below U+0100) or {@code \}{@code uNNNN}; a backslash is left
 * as it is (paths and regular expressions are full of them), so the escaping is for reading, not
 * reversible. JSON output keeps the exact string and lets Jackson write these characters as
 * {@code \}{@code uNNNN} escapes ({@link #JSON_ESCAPES}): a JSON consumer gets the original
 * value back, a terminal showing the JSON never sees the raw character.
 */
final class UntrustedText {

  private UntrustedText() {}

  /** Whether a character is shown escaped. */
  static boolean isUnsafe(int c) {
    return UnsafeCharacters.isUnsafe(c);
  }

  /** The text with every unsafe character escaped; the same instance when there is none (the common case). */
  static String escape(String s) {
    return s == null ? "null" : UnsafeCharacters.escape(s);
  }

  /**
   * {@code out.printf} with every String argument escaped: the format is fcp's own, the
   * arguments quote the archive (or a path the archive's name came from).
   */
  static void printf(java.io.PrintWriter out, String format, Object... args) {
    Object[] safe = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      safe[i] = args[i] instanceof CharSequence || args[i] instanceof java.nio.file.Path
          ? escape(args[i].toString()) : args[i];
    }
    out.printf(format, safe);
  }

  /** {@code out.println} of one line whose whole text is escaped. */
  static void println(java.io.PrintWriter out, String line) {
    out.println(escape(line));
  }

  /** Jackson escapes: C0 as Jackson always does, plus DEL, C1 and the bidi characters as {@code \\}{@code uNNNN}. */
  static final CharacterEscapes JSON_ESCAPES = new CharacterEscapes() {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = jsonAscii();

    private static int[] jsonAscii() {
      int[] table = CharacterEscapes.standardAsciiEscapesForJSON();
      table[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
      return table;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      // asked for non-ASCII characters only; null writes the character as it is
      return isUnsafe(ch) ? new SerializedString(String.format("\\u%04X", ch)) : null;
    }
  };
}
