package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A regular expression over attacker-chosen memory stops on time and keeps bounded text. */
class MemorySearchBudgetTest {

  private static ProcessMemory memory(CheckpointTar tar) throws Exception {
    return CheckpointImages.of(tar).orElseThrow().memory(2956);
  }

  @Test
  void catastrophicBacktrackingStopsAtTheTimeBudget() throws Exception {
    // O(n^7) per start position on a run of n zero bytes: hours without the deadline
    Pattern runaway = Pattern.compile("\\x00*\\x00*\\x00*\\x00*\\x00*\\x00*\\x00*Q");
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CRIO_OPERATOR))) {
      ProcessMemory mem = memory(tar);
      MemorySearch search = new MemorySearch(runaway, 0, 0, -1, 1000, 500, MemorySearch.DEFAULT_MAX_HIT_BYTES);
      long started = System.nanoTime();
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> search.search(mem));
      assertThat(search.stopReason()).contains("time budget of 500 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void longMatchesAreCutAndTheirTotalIsCapped() throws Exception {
    try (CheckpointTar tar = CheckpointTar.open(FixtureArchives.write(Flavour.CRIO_OPERATOR))) {
      ProcessMemory mem = memory(tar);
      // every byte matches: one match per window, a MiB long
      MemorySearch all = new MemorySearch(Pattern.compile("(?s).+"), 16, 0, -1, 1000, 60_000, 1 << 20);
      List<MemorySearch.Hit> hits = all.search(mem);
      assertThat(hits).isNotEmpty().allSatisfy(h -> assertThat(h.text().length())
          .isLessThanOrEqualTo(MemorySearch.MAX_MATCH + 32));
      MemorySearch capped = new MemorySearch(Pattern.compile("(?s)[\\x00-\\xff]{64}"), 0, 0, -1, 100_000, 60_000,
          10_000);
      List<MemorySearch.Hit> few = capped.search(mem);
      assertThat(few.stream().mapToInt(h -> h.text().length()).sum()).isLessThanOrEqualTo(10_000);
      assertThat(few).hasSize(10_000 / 64);
      assertThat(capped.stopReason()).contains("cap of 10000 bytes");
    }
  }
}
