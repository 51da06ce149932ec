package io.ckpt.forensics.cli;

import java.util.regex.Pattern;

/**
 * A shell-style pattern for {@code --path}: {@code *} and {@code ?} stay within one path component,
 * {@code **} crosses them, {@code [...]} is a character class. A pattern without '/' matches the last
 * component (as {@code find -name} does); one with '/' matches the whole path. Not
 * {@link java.nio.file.PathMatcher}: paths from an archive need not be valid paths of this system.
 */
final class PathGlob {

  private final Pattern pattern;
  private final boolean baseName;

  private PathGlob(Pattern pattern, boolean baseName) {
    this.pattern = pattern;
    this.baseName = baseName;
  }

  static PathGlob of(String glob) throws UserError {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> {
          if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
            re.append(".*");
            i++;
          } else {
            re.append("[^/]*");
          }
        }
        case '?' -> re.append("[^/]");
        case '[' -> {
          int end = glob.indexOf(']', i + 2);
          if (end < 0) {
            throw new UserError("--path " + glob + ": '[' without a closing ']'");
          }
          String set = glob.substring(i + 1, end);
          re.append('[');
          int k = 0;
          if (set.startsWith("!")) {
            re.append('^');
            k = 1;
          }
          for (; k < set.length(); k++) {
            char x = set.charAt(k);
            if (x == '\\' || x == '[' || x == '&' || x == '^') {
              re.append('\\'); // literal inside a Java class; '-' keeps its range meaning
            }
            re.append(x);
          }
          re.append(']');
          i = end;
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return new PathGlob(Pattern.compile(re.toString(), Pattern.DOTALL), glob.indexOf('/') < 0);
  }

  boolean matches(String path) {
    String subject = baseName ? path.substring(path.lastIndexOf('/') + 1) : path;
    return pattern.matcher(subject).matches();
  }
}
