package io.ckpt.forensics.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code fcp --version}: the project version from the pom, filtered into version.properties by Maven. */
final class FcpVersion implements IVersionProvider {

  static final String RESOURCE = "/io/ckpt/forensics/version.properties";

  @Override
  public String[] getVersion() {
    return new String[] {"fcp " + projectVersion()};
  }

  /** The pom's version, as the build wrote it into {@link #RESOURCE}. */
  static String projectVersion() {
    try (InputStream in = FcpVersion.class.getResourceAsStream(RESOURCE)) {
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
