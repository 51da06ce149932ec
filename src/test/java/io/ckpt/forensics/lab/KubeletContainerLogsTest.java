package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The lab kubelet's log window as the real one cuts it: tailLines first, then limitBytes from its start. */
class KubeletContainerLogsTest {

  static final byte[] LOG = "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void tailLinesCountsFromTheEnd() {
    assertThat(text(KubeletContainerLogs.tailLines(LOG, 2L))).isEqualTo("two\nthree\n");
    assertThat(text(KubeletContainerLogs.tailLines(LOG, 10L))).isEqualTo("one\ntwo\nthree\n");
    assertThat(text(KubeletContainerLogs.tailLines(LOG, 0L))).isEmpty();
    assertThat(text(KubeletContainerLogs.tailLines("a\nb".getBytes(StandardCharsets.UTF_8), 1L))).isEqualTo("b");
    assertThat(text(KubeletContainerLogs.tailLines(LOG, null))).isEqualTo("one\ntwo\nthree\n");
  }

  @Test
  void limitBytesKeepsTheStartOfWhatTailLinesLeft() {
    assertThat(text(KubeletContainerLogs.limitBytes(KubeletContainerLogs.tailLines(LOG, 2L), 5L))).isEqualTo("two\nt");
    assertThat(text(KubeletContainerLogs.limitBytes(LOG, null))).isEqualTo("one\ntwo\nthree\n");
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
