package io.ckpt.forensics.lab;

import java.nio.file.Path;

/**
 * What tests need of any lab node, simulated ({@link SimulatedNode}) or running the kubelet's own
 * code ({@link RealKubeletNode}): where its kubelet listens and where its archives land.
 */
public interface LabNode {

  String name();

  /** The node's InternalIP, e.g. 198.18.0.11. */
  String address();

  /** https://198.18.0.N:10250 */
  default String kubeletUrl() {
    return "https://" + address() + ":" + LabNetwork.KUBELET_PORT;
  }

  /** The kubelet root dir as reported in checkpoint paths. */
  String rootDir();

  /** The real file for a path this kubelet returned in {@code items}. */
  Path archiveFile(String reportedPath);
}
