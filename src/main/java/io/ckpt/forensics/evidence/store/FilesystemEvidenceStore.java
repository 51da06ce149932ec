package io.ckpt.forensics.evidence.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evidence on a filesystem, typically a PersistentVolume for clusters without object storage. Each
 * object is written under a hidden temporary name in its final directory, checked, flushed to disk
 * with the directory, then given its name without ever replacing an existing file, made read-only
 * ({@code r--r-----}: the owner and the volume's group, such as a pod's fsGroup, may read it), and
 * read back.
 *
 * <p>What this does not give: a filesystem has no retention lock, so whoever can write to the volume
 * can still delete or change a file; use the S3 destination with Object Lock where that matters.
 */
public final class FilesystemEvidenceStore implements EvidenceStore {

  private static final Logger LOG = LoggerFactory.getLogger(FilesystemEvidenceStore.class);
  private static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r-----");
  private static final Set<PosixFilePermission> WRITING = PosixFilePermissions.fromString("rw-------");
  private static final int BUFFER = 1 << 20;

  private final Path root;

  /** @param root an existing directory; evidence names are resolved under it */
  public FilesystemEvidenceStore(Path root) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
  }

  @Override
  public String locationOf(String name) {
    return target(name).toUri().toString();
  }

  @Override
  public InputStream open(String name) throws IOException {
    return Files.newInputStream(target(name), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public StoredEvidence store(String name, EvidenceContent content) throws IOException {
    Path target = target(name);
    String location = target.toUri().toString();
    if (!Files.isDirectory(root)) {
      throw new EvidenceStoreException("evidence directory " + root + " does not exist or is not a directory"
          + " (mount the evidence volume there, or set the directory to where it is mounted)");
    }
    // refuse early, before reading gigabytes; the link below is what really guarantees it
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new EvidenceExistsException(location);
    }
    Path directory = target.getParent();
    createDirectories(directory);
    // hidden (evidence names never start with a dot) and short enough for NAME_MAX with the random part
    String base = target.getFileName().toString();
    String prefix = "." + base.substring(0, Math.min(base.length(), 100)) + ".";
    Path temporary = Files.createTempFile(directory, prefix, ".partial", PosixFilePermissions.asFileAttribute(WRITING));
    Sha256Tally written;
    try {
      written = write(content, temporary);
      written.requireExpected(content, location);
      Files.setPosixFilePermissions(temporary, READ_ONLY);
      commit(temporary, target, location);
    } finally {
      // after a successful commit the temporary name is a second link to the evidence: remove it
      Files.deleteIfExists(temporary);
    }
    fsync(directory);
    Sha256Tally readBack;
    try (InputStream in = open(name)) {
      readBack = Sha256Tally.of(in);
    }
    written.requireReadBack(readBack, location);
    LOG.info("evidence stored destination=filesystem location={} sizeBytes={} sha256={}", location, written.count(),
        written.hex());
    return new StoredEvidence(location, readBack.hex(), readBack.count(), Optional.empty(), Optional.empty());
  }

  private Path target(String name) {
    Path target = root.resolve(EvidenceName.require(name)).normalize();
    if (!target.startsWith(root) || target.equals(root)) {
      throw new IllegalArgumentException("evidence name '" + name + "' leaves the evidence directory");
    }
    return target;
  }

  private static Sha256Tally write(EvidenceContent content, Path temporary) throws IOException {
    Sha256Tally tally = new Sha256Tally();
    byte[] buffer = new byte[BUFFER];
    try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
      for (int n; (n = content.stream().read(buffer)) != -1; ) {
        tally.update(buffer, 0, n);
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
      }
      // the data and the file's size on disk before it gets its name: after a crash a file under
      // its final name is complete
      out.force(true);
    }
    return tally;
  }

  /**
   * Gives the temporary file its final name without ever replacing an existing one. Not
   * {@code Files.move(ATOMIC_MOVE)}: that is rename(2), which on Linux silently replaces an
   * existing target (the JDK only checks for it beforehand, a race), and Java has no
   * renameat2(RENAME_NOREPLACE). link(2) is atomic and fails with EEXIST when the name exists, so
   * two writers, or a writer and an attacker who planted a file, can never replace evidence. The
   * temporary name is unlinked afterwards by the caller.
   */
  private static void commit(Path temporary, Path target, String location) throws IOException {
    try {
      Files.createLink(target, temporary);
    } catch (FileAlreadyExistsException e) {
      throw new EvidenceExistsException(location, e);
    } catch (UnsupportedOperationException | IOException e) {
      throw new EvidenceStoreException("cannot give " + location + " its name: the filesystem must support hard"
          + " links, which commit evidence without ever replacing a file (" + e.getMessage() + ")", e);
    }
  }

  private void createDirectories(Path directory) throws IOException {
    if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    createDirectories(directory.getParent());
    try {
      Files.createDirectory(directory);
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
        throw new EvidenceStoreException(directory + " exists and is not a directory: cannot store evidence under it", e);
      }
    }
    fsync(directory.getParent());
  }

  /** A directory's entries (a new name, a removed temporary name) reach the disk only when the directory is flushed. */
  private static void fsync(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
