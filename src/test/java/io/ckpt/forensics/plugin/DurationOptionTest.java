package io.ckpt.forensics.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationOptionTest {

  private final DurationOption option = new DurationOption();

  @Test
  void readsKubectlDurations() {
    assertThat(option.convert("90")).isEqualTo(Duration.ofSeconds(90));
    assertThat(option.convert("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(option.convert("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(option.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
  }

  @Test
  void refusesAnythingElseSayingHowToWriteIt() {
    for (String bad : new String[] {"", "5x", "m5", "5m junk", "-1s"}) {
      assertThatThrownBy(() -> option.convert(bad)).as(bad).isInstanceOf(TypeConversionException.class)
          .hasMessageContaining("write it like 90s, 5m or 1h30m");
    }
  }
}
