package io.ckpt.forensics.cli;

import io.ckpt.forensics.evidence.ProjectVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code fcp --version}: the project version from the pom, filtered into version.properties by Maven. */
final class FcpVersion implements IVersionProvider {

  @Override
  public String[] getVersion() {
    return new String[] {"fcp " + projectVersion()};
  }

  /** The pom's version, as the build wrote it into version.properties (custody records name the same). */
  static String projectVersion() {
    return ProjectVersion.get();
  }
}
