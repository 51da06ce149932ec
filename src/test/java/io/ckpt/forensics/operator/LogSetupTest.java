package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The text log format keeps one record on one line, whatever the logged values hold. */
class LogSetupTest {

  @Test
  void textFormatEscapesNewlinesAndControlCharacters() {
    LogRecord record = new LogRecord(Level.WARNING, "checkpoint failed reason={0}");
    record.setLoggerName("io.ckpt.forensics.operator.Reconciler");
    // a reason, as a ForensicCheckpoint created before the CRD refused these could still hold
    record.setParameters(new Object[] {"shell\n2026-12-01T00:00:00Z INFO fake line\u001b[2J\u202e\r\t"});
    record.setThrown(new IllegalStateException("kubelet said:\nline two"));

    String line = new LogSetup.TextFormatter().format(record);

    assertThat(line).endsWith(System.lineSeparator());
    String body = line.substring(0, line.length() - System.lineSeparator().length());
    assertThat(body).doesNotContain("\n", "\r", "\t", "\u001b", "\u202e")
        .contains("reason=shell\\n2026-12-01T00:00:00Z INFO fake line\\u001b[2J\\u202e\\r\\t")
        .contains("error=\"java.lang.IllegalStateException: kubelet said:\\nline two\"");
  }

  @Test
  void plainTextIsUnchanged() {
    assertThat(LogSetup.TextFormatter.oneLine("pod=dev/nettools reason=Falco: Zürich – 東京"))
        .isEqualTo("pod=dev/nettools reason=Falco: Zürich – 東京");
  }
}
