package io.ckpt.forensics.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a simulated kubelet writes checkpoint archives: names them as the kubelet does
 * ({@code checkpoint-POD_NS-CONTAINER-TIMESTAMP.tar}, second resolution, local time), reports them
 * under its root dir, writes them really under {@code <run>/nodes/<name>/checkpoints} and counts
 * writes and name collisions.
 */
final class NodeArchiveStore {

  private static final DateTimeFormatter RFC3339_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

  /** An archive's name and the path the kubelet reports for it. */
  record Location(String fileName, String reportedPath) {}

  private final Path dir;
  private final String rootDir;
  private final AtomicLong written = new AtomicLong();
  private final Set<String> names = ConcurrentHashMap.newKeySet();
  private final AtomicInteger collisions = new AtomicInteger();

  /** @param reportedRootDir the kubelet root dir to report; null: the real directory's parent */
  NodeArchiveStore(Path nodeDataDir, String reportedRootDir) {
    this.dir = nodeDataDir.resolve("checkpoints");
    this.rootDir = reportedRootDir == null ? nodeDataDir.toAbsolutePath().toString() : reportedRootDir;
  }

  /** Creates the directory, private to this user as on a node (root only). */
  void create() throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  Path dir() {
    return dir;
  }

  String rootDir() {
    return rootDir;
  }

  /** CheckpointContainer computes the location first, before anything can fail. */
  Location locate(String namespace, String pod, String container) {
    String timestamp = ZonedDateTime.now().format(RFC3339_SECONDS);
    String fileName = "checkpoint-" + pod + "_" + namespace + "-" + container + "-" + timestamp + ".tar";
    return new Location(fileName, rootDir + "/checkpoints/" + fileName);
  }

  /** Writes a realistic archive ({@link CheckpointArchive}) at {@code location}. */
  void write(Location location) {
    if (!names.add(location.fileName())) {
      collisions.incrementAndGet();
    }
    CheckpointArchive.write(dir.resolve(location.fileName()));
    written.incrementAndGet();
  }

  /** The real file for a path this kubelet returned in {@code items}. */
  Path file(String reportedPath) {
    String prefix = rootDir + "/checkpoints/";
    if (!reportedPath.startsWith(prefix)) {
      throw new IllegalArgumentException(reportedPath + " is not under " + prefix);
    }
    return dir.resolve(reportedPath.substring(prefix.length()));
  }

  long written() {
    return written.get();
  }

  int collisions() {
    return collisions.get();
  }
}
