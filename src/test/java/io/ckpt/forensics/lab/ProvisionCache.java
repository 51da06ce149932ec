package io.ckpt.forensics.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where operator/provision keeps what it builds, and the versions it pins, for tests that look up one
 * tool without running the script: the same rules as the script ({@code FCP_LAB_CACHE}, else
 * {@code $XDG_CACHE_HOME} or {@code ~/.cache}, then {@code forensic-checkpoint}).
 */
public final class ProvisionCache {

  private ProvisionCache() {
  }

  public static Path dir() {
    String cache = System.getenv("FCP_LAB_CACHE");
    if (cache != null && !cache.isBlank()) {
      return Path.of(cache);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    return Path.of(xdg == null || xdg.isBlank() ? System.getProperty("user.home") + "/.cache" : xdg,
        "forensic-checkpoint");
  }

  /** operator/versions.env of the project the tests run in ({@code project.root}, else here). */
  public static Properties versions() throws IOException {
    Properties versions = new Properties();
    Path root = Path.of(System.getProperty("project.root", "."));
    try (var in = Files.newBufferedReader(root.resolve("operator/versions.env"))) {
      versions.load(in);
    }
    return versions;
  }
}
