package io.ckpt.forensics.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.VolumeMount;

/**
 * A container's view of paths (its mount paths and termination message path) mapped to directories
 * and files on this machine. A lab-run container is a plain local process without its own mount
 * namespace, so every path it is given in args or env must be rewritten before it starts.
 */
final class MountedPaths {

  private record Entry(String containerPath, Path local) {}

  private final List<Entry> entries = new ArrayList<>();

  /** {@code containerToLocal}: absolute container path (no trailing '/') to the local path standing in for it. */
  MountedPaths(Map<String, Path> containerToLocal) {
    containerToLocal.forEach((path, local) -> entries.add(new Entry(stripTrailingSlash(path), local)));
    // the longest (most specific) mount wins, as with nested mounts in a real container
    entries.sort(Comparator.comparingInt((Entry e) -> e.containerPath().length()).reversed());
  }

  /**
   * The paths of {@code container}: each volumeMount (with its subPath) to its volume's local
   * directory, and the terminationMessagePath (default /dev/termination-log) to {@code terminationLog}.
   */
  static MountedPaths of(Container container, Map<String, Path> volumes, Path terminationLog) throws PodRefusal {
    Map<String, Path> paths = new TreeMap<>();
    if (container.getVolumeMounts() != null) {
      for (VolumeMount m : container.getVolumeMounts()) {
        Path volume = volumes.get(m.getName());
        if (volume == null) {
          throw new PodRefusal("UnsupportedVolume", "container '" + container.getName() + "': volumeMount '"
              + m.getName() + "' names no volume of the pod");
        }
        Path local = m.getSubPath() == null || m.getSubPath().isEmpty() ? volume : volume.resolve(m.getSubPath()).normalize();
        if (!local.startsWith(volume)) {
          throw new PodRefusal("UnsupportedVolume", "container '" + container.getName() + "': subPath '"
              + m.getSubPath() + "' leaves volume '" + m.getName() + "'");
        }
        paths.put(m.getMountPath(), local);
      }
    }
    String messagePath = container.getTerminationMessagePath();
    paths.put(messagePath == null || messagePath.isEmpty() ? "/dev/termination-log" : messagePath, terminationLog);
    return new MountedPaths(paths);
  }

  /**
   * {@code value} with a leading mount path replaced: {@code /node-checkpoints/a.tar} and the
   * {@code --flag=/node-checkpoints/a.tar} form (a value starting with '-', up to its first '=');
   * anything else is returned unchanged.
   */
  String rewrite(String value) {
    if (value == null) {
      return null;
    }
    int eq = value.indexOf('=');
    // only option-like values: a JSON env value (FCP_COLLECT_FACTS) with "x=/tmp" in a text stays as written
    if (value.startsWith("-") && eq > 0 && eq + 1 < value.length() && value.charAt(eq + 1) == '/') {
      return value.substring(0, eq + 1) + rewrite(value.substring(eq + 1));
    }
    for (Entry e : entries) {
      String p = e.containerPath();
      if (value.equals(p)) {
        return e.local().toString();
      }
      if (value.startsWith(p + "/")) {
        return e.local() + value.substring(p.length());
      }
    }
    return value;
  }

  /** The local stand-in of exactly this container path, or null (e.g. {@code /tmp} for java.io.tmpdir). */
  Path local(String containerPath) {
    String p = stripTrailingSlash(containerPath);
    return entries.stream().filter(e -> e.containerPath().equals(p)).map(Entry::local).findFirst().orElse(null);
  }

  private static String stripTrailingSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
