package io.ckpt.forensics.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.ChangedFile.Change;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists the container's file changes from a checkpoint without extracting anything: the entries of
 * rootfs-diff.tar (hashing regular files as their bytes go by), the paths in deleted.files, and the
 * entries of every {@code tmpfs-dev-<N>.tar.gz.img} under the mount point whose device is N.
 *
 * <p>As a {@link CheckpointTar.StreamedVisitor} it reads the inner archives while a one-pass read goes
 * by them; {@link #finish} reads whatever was not shown to it (an archive opened from a file, small tmpfs
 * images the index kept in memory) in archive order, so every byte is read once. Memory: one read buffer,
 * and at most {@value #MAX_ENTRIES} entries or {@value #MAX_TEXT_CHARS} characters of names kept (the rest
 * are counted). A tmpfs image is gunzipped with the archive's decompression-bomb bounds. An inner archive
 * that cannot be read whole is a problem named in the result, not the end of the listing.
 */
public final class FileChangesReader implements CheckpointTar.StreamedVisitor {

  /** Entries kept at most (a hostile rootfs diff may hold millions of empty files). */
  public static final int MAX_ENTRIES = 100_000;
  /** Characters of path, link target and owner names kept at most. */
  static final long MAX_TEXT_CHARS = 32L << 20;
  static final String ROOTFS_DIFF = "rootfs-diff.tar";
  static final String DELETED_FILES = "deleted.files";
  private static final Pattern TMPFS = Pattern.compile("(?:checkpoint/)?tmpfs-(dev-)?([0-9]{1,10})\\.tar\\.gz\\.img");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Receives the bytes of the regular files {@link #withContent} asks for, as they go by. */
  @FunctionalInterface
  public interface ContentSink {
    /** {@code data} holds the file's bytes (read them here, or they are skipped); {@code entry} has no digest. */
    void accept(ChangedFile entry, InputStream data) throws IOException;
  }

  private final Predicate<ChangedFile> filter;
  private final boolean hash;
  private Predicate<String> contentWanted = p -> false;
  private ContentSink sink;
  private final Set<String> read = new HashSet<>();
  private final List<ChangedFile> written = new ArrayList<>();
  private final List<ChangedFile> tmpfs = new ArrayList<>();
  /** tmpfs entries whose mount was not known when their image went by (checked at the end). */
  private final List<ChangedFile> unplaced = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  /** One read buffer and digest for every file: a rootfs diff may hold millions of small files. */
  private final byte[] buf = new byte[1 << 16];
  private final MessageDigest sha = sha256();
  private long writtenCount;
  private long tmpfsCount;
  private long keptChars;
  private boolean truncated;

  /**
   * @param filter which entries to keep and count
   * @param hash whether to compute the SHA-256 of regular files (one pass over their bytes)
   */
  public FileChangesReader(Predicate<ChangedFile> filter, boolean hash) {
    this.filter = filter;
    this.hash = hash;
  }

  /** Also shows the bytes of the regular files whose path {@code wanted} accepts to {@code sink} (they are then not hashed). */
  public FileChangesReader withContent(Predicate<String> wanted, ContentSink sink) {
    this.contentWanted = wanted;
    this.sink = sink;
    return this;
  }

  @Override
  public void visit(CheckpointTar soFar, TarMember member) throws IOException {
    if (isInnerArchive(member.name())) {
      readInner(soFar, member);
    }
  }

  /** Whether a member is one of the archives fcp lists (rootfs-diff.tar, a tmpfs image). */
  static boolean isInnerArchive(String name) {
    return name.equals(ROOTFS_DIFF) || TMPFS.matcher(name).matches();
  }

  /** Reads what the one-pass read did not show (all of it for an archive opened from a file) and gives the result. */
  public FileChanges finish(CheckpointTar tar) throws IOException {
    List<TarMember> rest = new ArrayList<>();
    for (TarMember m : tar.members()) {
      if (m.isFile() && isInnerArchive(m.name()) && !read.contains(m.name())) {
        rest.add(m);
      }
    }
    rest.sort(Comparator.comparingLong(TarMember::dataOffset)); // a compressed file is then decompressed forward once
    for (TarMember m : rest) {
      readInner(tar, m);
    }
    List<ChangedFile> deleted = new ArrayList<>();
    long deletedCount = readDeleted(tar, deleted);
    if (!unplaced.isEmpty()) {
      Map<Long, RecordedMount> mounts = tmpfsMounts(tar);
      for (ChangedFile f : unplaced) {
        ChangedFile placed = place(f, mounts);
        if (filter.test(placed)) {
          tmpfsCount++;
          keep(tmpfs, placed);
        }
      }
    }
    List<ChangedFile> all = new ArrayList<>(written);
    all.addAll(deleted);
    all.addAll(tmpfs);
    return new FileChanges(all, writtenCount, deletedCount, tmpfsCount, truncated, problems);
  }

  private void readInner(CheckpointTar tar, TarMember m) throws IOException {
    if (!read.add(m.name())) {
      return;
    }
    Matcher tm = TMPFS.matcher(m.name());
    boolean isTmpfs = tm.matches();
    Map<Long, RecordedMount> mounts = isTmpfs ? tmpfsMounts(tar) : Map.of();
    long number = isTmpfs ? Long.parseLong(tm.group(2)) : -1;
    boolean byDevice = isTmpfs && tm.group(1) != null;
    MeteredInputStream raw = new MeteredInputStream(new BufferedInputStream(tar.openStream(m), 1 << 16), 0, null);
    MeteredInputStream in = raw;
    try {
      if (isTmpfs) {
        try {
          in = CheckpointTar.bombGuarded(Compression.GZIP.decode(raw), raw, Compression.GZIP, tar.limits());
        } catch (IOException e) {
          throw new ArchiveFormatException(m.name(), 0, "not a gzip stream: " + e.getMessage(), e);
        }
      }
      TarScanner scanner = new TarScanner(in, isTmpfs ? -1 : m.size(), true);
      TarMember e;
      while ((e = scanner.next()) != null) {
        TarEntryHeader h = scanner.header();
        String type = type(h);
        String inner = e.name();
        String path;
        String mountPoint = "";
        if (isTmpfs) {
          RecordedMount mount = byDevice ? mounts.get(number) : mountById(mounts, number);
          mountPoint = mount == null ? "" : mount.mountpoint();
          path = mount == null ? unplacedPrefix(m.name()) + slash(inner) : under(mountPoint, inner);
        } else {
          path = h.unsafeName() && inner.startsWith("/") ? inner : "/" + inner;
        }
        ChangedFile f = new ChangedFile(isTmpfs ? Change.TMPFS : Change.WRITTEN, path, type,
            h.sparse() ? h.realSize() : e.size(), e.mode() & 07777, h.uid(), h.gid(), h.user(), h.group(),
            e.mtimeSeconds(), h.linkTarget(), type.equals("char") || type.equals("block")
                ? h.devMajor() + "," + h.devMinor() : "", "", false, mountPoint, m.name(), h.unsafeName());
        boolean placed = !isTmpfs || !mountPoint.isEmpty();
        boolean wanted = !placed || filter.test(f);
        if (type.equals("file") && wanted) {
          f = content(f, scanner.currentData());
        }
        if (!placed) {
          keep(unplaced, f);
        } else if (wanted) {
          if (isTmpfs) {
            tmpfsCount++;
            keep(tmpfs, f);
          } else {
            writtenCount++;
            keep(written, f);
          }
        }
      }
    } catch (CheckpointTar.NotKeptException e) {
      throw e;
    } catch (ArchiveFormatException e) {
      // the inner archive is broken (a failing outer read or sink is not: that ends the command)
      problems.add(m.name() + ": " + e.getMessage() + " (the entries before it are listed)");
    }
  }

  /** Hashes (or hands to the sink) a regular file's bytes, and notes whether it is an ELF binary. */
  private ChangedFile content(ChangedFile f, InputStream data) throws IOException {
    if (sink != null && contentWanted.test(f.path())) {
      sink.accept(f, data);
      return f;
    }
    if (!hash) {
      byte[] magic = data.readNBytes(4);
      return withDigest(f, "", isElf(magic, magic.length));
    }
    MessageDigest sha = this.sha;
    sha.reset();
    DigestInputStream in = new DigestInputStream(data, sha);
    int n = in.readNBytes(buf, 0, buf.length);
    boolean elf = isElf(buf, n);
    while (n > 0) {
      n = in.read(buf);
    }
    return withDigest(f, HexFormat.of().formatHex(sha.digest()), elf);
  }

  private static ChangedFile withDigest(ChangedFile f, String sha256, boolean elf) {
    return new ChangedFile(f.change(), f.path(), f.type(), f.size(), f.mode(), f.uid(), f.gid(), f.user(), f.group(),
        f.mtimeSeconds(), f.linkTarget(), f.device(), sha256, elf, f.mountPoint(), f.member(), f.unsafeName());
  }

  static boolean isElf(byte[] b, int n) {
    return n >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
  }

  private void keep(List<ChangedFile> list, ChangedFile f) {
    long chars = f.path().length() + f.linkTarget().length() + f.user().length() + f.group().length();
    if (written.size() + tmpfs.size() + unplaced.size() >= MAX_ENTRIES || keptChars + chars > MAX_TEXT_CHARS) {
      truncated = true;
      return;
    }
    keptChars += chars;
    list.add(f);
  }

  /** deleted.files: the JSON list of paths the runtime found removed from the image's layers. */
  private long readDeleted(CheckpointTar tar, List<ChangedFile> out) throws IOException {
    Optional<TarMember> m = tar.member(DELETED_FILES);
    if (m.isEmpty() || !m.get().isFile()) {
      return 0;
    }
    JsonNode list;
    try {
      list = JSON.readTree(tar.readAll(m.get()));
    } catch (CheckpointTar.NotKeptException e) {
      throw e;
    } catch (IOException e) {
      problems.add(DELETED_FILES + ": not a JSON list of paths: " + e.getMessage());
      return 0;
    }
    if (list == null || !list.isArray()) {
      problems.add(DELETED_FILES + ": not a JSON list of paths");
      return 0;
    }
    long count = 0;
    for (JsonNode p : list) {
      if (!p.isTextual()) {
        continue;
      }
      String path = p.asText().startsWith("/") ? p.asText() : "/" + p.asText();
      ChangedFile f = new ChangedFile(Change.DELETED, path, "", 0, 0, -1, -1, "", "", -1, "", "", "", false, "",
          DELETED_FILES, java.util.Arrays.asList(path.split("/", -1)).contains(".."));
      if (filter.test(f)) {
        count++;
        keep(out, f);
      }
    }
    return count;
  }

  /** The recorded mounts by device number (tmpfs-dev-N names the device); empty when the images have none. */
  private Map<Long, RecordedMount> tmpfsMounts(CheckpointTar tar) {
    Map<Long, RecordedMount> byDevice = new HashMap<>();
    try {
      Optional<CheckpointImages> images = CheckpointImages.of(tar);
      if (images.isPresent()) {
        for (RecordedMount r : images.get().mountpoints()) {
          byDevice.putIfAbsent(r.rootDev(), r);
        }
      }
    } catch (IOException e) {
      // the mountpoints image is not readable (yet): the entries stay unplaced and say so
    }
    return byDevice;
  }

  /** CRIU before 3.x named tmpfs images by mount id (tmpfs-N.tar.gz.img). */
  private static RecordedMount mountById(Map<Long, RecordedMount> mounts, long id) {
    return mounts.values().stream().filter(r -> r.id() == id).findFirst().orElse(null);
  }

  private ChangedFile place(ChangedFile f, Map<Long, RecordedMount> mounts) {
    Matcher tm = TMPFS.matcher(f.member());
    tm.matches();
    long number = Long.parseLong(tm.group(2));
    RecordedMount mount = tm.group(1) != null ? mounts.get(number) : mountById(mounts, number);
    if (mount == null) {
      String problem = f.member() + ": no mount in the mountpoints image has its " + (tm.group(1) != null
          ? "device number " : "mount id ") + number + "; its entries are listed under " + unplacedPrefix(f.member());
      if (!problems.contains(problem)) {
        problems.add(problem);
      }
      return f;
    }
    String inner = f.path().substring(unplacedPrefix(f.member()).length());
    return new ChangedFile(f.change(), under(mount.mountpoint(), inner.startsWith("/") ? inner.substring(1) : inner),
        f.type(), f.size(), f.mode(), f.uid(), f.gid(), f.user(), f.group(), f.mtimeSeconds(), f.linkTarget(),
        f.device(), f.sha256(), f.elf(), mount.mountpoint(), f.member(), f.unsafeName());
  }

  private static String unplacedPrefix(String member) {
    String base = member.substring(member.lastIndexOf('/') + 1);
    return "[" + base.substring(0, base.indexOf(".tar.gz.img")) + "]";
  }

  private static String slash(String inner) {
    return inner.isEmpty() ? "" : "/" + inner;
  }

  private static String under(String mountPoint, String inner) {
    if (inner.isEmpty()) {
      return mountPoint;
    }
    return (mountPoint.endsWith("/") ? mountPoint : mountPoint + "/") + inner;
  }

  private static String type(TarEntryHeader h) {
    if (h.sparse()) {
      return "sparse";
    }
    return switch (h.type()) {
      case '0', '\0', '7' -> "file";
      case '1' -> "hardlink";
      case '2' -> "symlink";
      case '3' -> "char";
      case '4' -> "block";
      case '5' -> "directory";
      case '6' -> "fifo";
      default -> "other";
    };
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}
