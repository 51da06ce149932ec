package io.ckpt.forensics.operator;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One log line per record on stderr, as text or JSON. Messages are written by our code in
 * key=value form and never carry tokens, keys or archive contents.
 */
final class LogSetup {

  private LogSetup() {
  }

  static void install(OperatorConfig.LogFormat format) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(Level.ALL);
    handler.setFormatter(format == OperatorConfig.LogFormat.json ? new JsonFormatter() : new TextFormatter());
    root.addHandler(handler);
    root.setLevel(Level.INFO);
  }

  private static String level(LogRecord r) {
    Level l = r.getLevel();
    return l.intValue() >= Level.SEVERE.intValue() ? "ERROR" : l.intValue() >= Level.WARNING.intValue() ? "WARN"
        : l.intValue() >= Level.INFO.intValue() ? "INFO" : "DEBUG";
  }

  private static String logger(LogRecord r) {
    String name = r.getLoggerName() == null ? "" : r.getLoggerName();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /** Only the exception's type and message: stack traces would spread one event over many lines. */
  private static String error(LogRecord r) {
    Throwable t = r.getThrown();
    if (t == null) {
      return null;
    }
    if (Boolean.getBoolean("fcp.log.stacktraces")) {
      StringWriter w = new StringWriter();
      t.printStackTrace(new PrintWriter(w));
      return w.toString();
    }
    return t.getClass().getName() + ": " + t.getMessage();
  }

  /**
   * One record, one line: messages carry names, reasons and kubelet answers that others wrote, so a
   * newline in them could forge a log line and an escape sequence could rewrite a reader's terminal.
   */
  static final class TextFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
      String error = error(r);
      return Instant.ofEpochMilli(r.getMillis()) + " " + level(r) + " " + logger(r) + " " + oneLine(formatMessage(r))
          + (error == null ? "" : " error=\"" + oneLine(error.replace("\"", "'")) + "\"") + System.lineSeparator();
    }

    /** Newline, CR and tab as backslash n, r, t; other controls, DEL and bidi controls as backslash u and hex. */
    static String oneLine(String text) {
      StringBuilder b = null;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        String escaped = switch (c) {
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\t' -> "\\t";
          default -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
              || (c >= 0x2066 && c <= 0x2069) ? String.format("\\u%04x", (int) c) : null;
        };
        if (escaped != null && b == null) {
          b = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        if (b != null) {
          if (escaped != null) {
            b.append(escaped);
          } else {
            b.append(c);
          }
        }
      }
      return b == null ? text : b.toString();
    }
  }

  static final class JsonFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder b = new StringBuilder(256).append('{');
      field(b, "time", Instant.ofEpochMilli(r.getMillis()).toString()).append(',');
      field(b, "level", level(r)).append(',');
      field(b, "logger", logger(r)).append(',');
      field(b, "msg", formatMessage(r));
      String error = error(r);
      if (error != null) {
        field(b.append(','), "error", error);
      }
      return b.append('}').append(System.lineSeparator()).toString();
    }

    private static StringBuilder field(StringBuilder b, String key, String value) {
      b.append('"').append(key).append("\":\"");
      for (char c : String.valueOf(value).toCharArray()) {
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      return b.append('"');
    }
  }
}
