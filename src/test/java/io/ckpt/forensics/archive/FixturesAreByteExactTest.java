package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fixtures are byte-exact copies of public files (their README names the commits): a file
 * changed by an editor, a line-ending filter or a regeneration would make the expected values
 * of the archive tests meaningless, so every file must match SHA256SUMS and none may be unlisted.
 */
class FixturesAreByteExactTest {

  /** Files of ours in the fixtures directory, not copies. */
  private static final List<String> OWN_FILES = List.of("README.md", "SHA256SUMS");

  @Test
  void everyFixtureMatchesItsChecksumAndNoneIsUnlisted() throws Exception {
    Path root = FixtureArchives.fixtures();
    Map<String, String> listed = new LinkedHashMap<>();
    for (String line : Files.readAllLines(root.resolve("SHA256SUMS"))) {
      String[] parts = line.split("\\s+", 2);
      listed.put(parts[1].replaceFirst("^\\./", ""), parts[0]);
    }
    List<String> present;
    try (Stream<Path> files = Files.walk(root)) {
      present = files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(name -> !OWN_FILES.contains(name)).sorted().toList();
    }
    assertThat(present).as("files in %s against SHA256SUMS", root).containsExactlyInAnyOrderElementsOf(listed.keySet());
    for (Map.Entry<String, String> e : listed.entrySet()) {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(root.resolve(e.getKey())));
      assertThat(HexFormat.of().formatHex(digest)).as("sha256 of fixture %s", e.getKey()).isEqualTo(e.getValue());
    }
  }
}
