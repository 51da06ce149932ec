package io.ckpt.forensics.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;

/**
 * Where the volumes of a pod that a lab node runs for real live on this machine:
 * <ul>
 * <li>hostPath: the same path, but only inside the node's own directory tree (a path under the
 * kubelet root dir the node reports is translated to its real directory); anything else refuses
 * the pod, so a pod can never reach the machine's real files;
 * <li>secret: a fresh directory holding the Secret's keys (or its {@code items}) as 0400 files;
 * <li>persistentVolumeClaim: one lab directory per namespace and claim name, shared by every pod
 * of every node (there is no volume controller: the claim object need not exist);
 * <li>emptyDir: a fresh directory per pod.
 * </ul>
 * Other volume types refuse the pod. Read-only mounts are not enforced (there is no mount namespace).
 */
final class VolumeMapping {

  /** A Secret's data, or null when it does not exist. */
  @FunctionalInterface
  interface SecretReader {
    Map<String, byte[]> read(String namespace, String name);
  }

  private final String nodeName;
  private final Path nodeDir;
  private final String reportedRootDir;
  private final Path claimsDir;
  private final SecretReader secrets;

  /**
   * @param nodeDir the node's real directory tree (hostPaths must lie inside it)
   * @param reportedRootDir the kubelet root dir the node reports in archive paths; paths under it map into {@code nodeDir}
   * @param claimsDir parent of the lab's per-claim directories
   */
  VolumeMapping(String nodeName, Path nodeDir, String reportedRootDir, Path claimsDir, SecretReader secrets) {
    this.nodeName = nodeName;
    this.nodeDir = nodeDir.toAbsolutePath().normalize();
    this.reportedRootDir = reportedRootDir;
    this.claimsDir = claimsDir;
    this.secrets = secrets;
  }

  /** Prepares every volume of {@code pod} (fresh ones under {@code podDir}); returns volume name to local directory. */
  Map<String, Path> prepare(Pod pod, Path podDir) throws PodRefusal {
    Map<String, Path> local = new LinkedHashMap<>();
    if (pod.getSpec().getVolumes() == null) {
      return local;
    }
    String namespace = pod.getMetadata().getNamespace();
    try {
      for (Volume v : pod.getSpec().getVolumes()) {
        Path fresh = podDir.resolve("volumes").resolve(v.getName());
        if (v.getHostPath() != null) {
          local.put(v.getName(), hostPath(v.getName(), v.getHostPath()));
        } else if (v.getSecret() != null) {
          local.put(v.getName(), secret(namespace, v.getName(), v.getSecret(), fresh));
        } else if (v.getPersistentVolumeClaim() != null) {
          Path claim = claimsDir.resolve(namespace).resolve(v.getPersistentVolumeClaim().getClaimName());
          Files.createDirectories(claim);
          local.put(v.getName(), claim);
        } else if (v.getEmptyDir() != null) {
          local.put(v.getName(), Files.createDirectories(fresh));
        } else {
          throw new PodRefusal("UnsupportedVolume", "volume '" + v.getName() + "': the lab runs pods with hostPath,"
              + " secret, persistentVolumeClaim and emptyDir volumes only (a projected service account token:"
              + " set automountServiceAccountToken: false)");
        }
      }
    } catch (IOException e) {
      throw new PodRefusal("VolumeSetupFailed", "node " + nodeName + " could not prepare the volumes: " + e);
    }
    return local;
  }

  private Path hostPath(String volume, HostPathVolumeSource source) throws PodRefusal, IOException {
    Path path = Path.of(source.getPath()).normalize();
    if (reportedRootDir != null && !Path.of(reportedRootDir).toAbsolutePath().normalize().equals(nodeDir)
        && path.startsWith(Path.of(reportedRootDir).normalize())) {
      path = nodeDir.resolve(Path.of(reportedRootDir).normalize().relativize(path));
    }
    if (!path.isAbsolute() || !path.startsWith(nodeDir)) {
      throw new PodRefusal("HostPathOutsideNode", "volume '" + volume + "': hostPath " + source.getPath()
          + " is outside node " + nodeName + "'s directory " + nodeDir + " (or its reported root "
          + reportedRootDir + "); a lab node mounts only paths inside its own tree, such as its checkpoints directory");
    }
    String type = source.getType() == null ? "" : source.getType();
    switch (type) {
      case "", "Directory" -> {
        if (type.equals("Directory") && !Files.isDirectory(path)) {
          throw new PodRefusal("HostPathTypeMismatch", "volume '" + volume + "': hostPath " + source.getPath()
              + " is not a directory on node " + nodeName);
        }
      }
      case "DirectoryOrCreate" -> Files.createDirectories(path);
      case "File" -> {
        if (!Files.isRegularFile(path)) {
          throw new PodRefusal("HostPathTypeMismatch", "volume '" + volume + "': hostPath " + source.getPath()
              + " is not a file on node " + nodeName);
        }
      }
      default -> throw new PodRefusal("UnsupportedVolume", "volume '" + volume + "': hostPath type " + type
          + " is not supported by the lab (use Directory, DirectoryOrCreate, File or none)");
    }
    return path;
  }

  private Path secret(String namespace, String volume, SecretVolumeSource source, Path dir) throws PodRefusal, IOException {
    Map<String, byte[]> data = secrets.read(namespace, source.getSecretName());
    Files.createDirectories(dir);
    if (data == null) {
      if (Boolean.TRUE.equals(source.getOptional())) {
        return dir;
      }
      throw new PodRefusal("SecretNotFound", "volume '" + volume + "': Secret " + namespace + "/" + source.getSecretName()
          + " does not exist (create it before the pod, or mark the volume optional)");
    }
    Map<String, String> files = new LinkedHashMap<>();
    if (source.getItems() == null || source.getItems().isEmpty()) {
      data.keySet().forEach(k -> files.put(k, k));
    } else {
      for (KeyToPath item : source.getItems()) {
        if (!data.containsKey(item.getKey())) {
          throw new PodRefusal("SecretNotFound", "volume '" + volume + "': Secret " + namespace + "/"
              + source.getSecretName() + " has no key '" + item.getKey() + "'");
        }
        files.put(item.getKey(), item.getPath());
      }
    }
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path file = dir.resolve(f.getValue()).normalize();
      if (!file.startsWith(dir) || file.equals(dir)) {
        throw new PodRefusal("UnsupportedVolume", "volume '" + volume + "': item path '" + f.getValue()
            + "' leaves the volume");
      }
      Files.createDirectories(file.getParent());
      Files.write(file, data.get(f.getKey()));
      // as the kubelet's default for the collector's secrets: readable by the owner only
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    }
    return dir;
  }
}
