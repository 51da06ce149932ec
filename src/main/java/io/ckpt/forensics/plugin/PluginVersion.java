package io.ckpt.forensics.plugin;

import io.ckpt.forensics.evidence.ProjectVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code kubectl fcp --version}: the project version, the same as fcp's and the operator's. */
final class PluginVersion implements IVersionProvider {

  @Override
  public String[] getVersion() {
    return new String[] {"kubectl-fcp " + ProjectVersion.get()};
  }
}
