package io.ckpt.forensics.evidence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The project version from the pom, which Maven filters into version.properties; records name it as their tool's version. */
public final class ProjectVersion {

  static final String RESOURCE = "/io/ckpt/forensics/version.properties";

  private ProjectVersion() {}

  /** The version, for example {@code 0.1.0}. */
  public static String get() {
    try (InputStream in = ProjectVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath: build with ./mvnw compile");
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "");
      if (version.isBlank() || version.contains("${")) {
        throw new IllegalStateException(RESOURCE + " has no filtered version (\"" + version
            + "\"): build with ./mvnw compile, which fills it from pom.xml");
      }
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
