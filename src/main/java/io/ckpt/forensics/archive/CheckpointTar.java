package io.ckpt.forensics.archive;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An opened checkpoint archive: the member index from one pass over the tar, and reads of member
 * data by offset, without extracting anything to disk.
 *
 * <p>An uncompressed archive (what the kubelet writes through CRI-O and containerd) is indexed by
 * seeking from header to header, and members are read with positional reads, so the pages of one
 * process can be read without touching the rest. A gzip or zstd archive is indexed in one
 * decompressing pass that keeps small members (at most {@link ReadLimits#maxMemberBytes()} each,
 * four times that together, 64 MiB by default) in memory; reading a large member later decompresses
 * forward from the start once per ascending run of reads. {@link #streamed} indexes a stream the
 * same way and keeps nothing else. See {@link ReadLimits} for the memory bound.
 */
public final class CheckpointTar implements Closeable {

  /** Members kept in memory together are at most this many times {@link ReadLimits#maxMemberBytes()}. */
  private static final int CACHED_MEMBERS_BUDGET = 4;

  private final Path file;
  private final ReadLimits limits;
  private final Compression compression;
  private final FileChannel channel;
  private final long fileSize;
  private final Map<String, TarMember> members;
  private final Map<String, byte[]> cached;
  /** Parts of members a streamed read kept (by offset within the member), for a {@link StreamedKeep}. */
  private final Map<String, NavigableMap<Long, byte[]>> kept;
  private StreamCursor cursor;
  /** The member a {@link StreamedVisitor} is being shown, during its visit. */
  private PassingMember passing;

  private CheckpointTar(Path file, ReadLimits limits, Compression compression, FileChannel channel,
      long fileSize, Map<String, TarMember> members, Map<String, byte[]> cached) {
    this.file = file;
    this.limits = limits;
    this.compression = compression;
    this.channel = channel;
    this.fileSize = fileSize;
    this.members = members;
    this.cached = cached;
    this.kept = new HashMap<>();
  }

  public static CheckpointTar open(Path file) throws IOException {
    return open(file, ReadLimits.DEFAULT);
  }

  /** Opens and indexes the archive; throws {@link ArchiveFormatException} if it is not a readable tar. */
  public static CheckpointTar open(Path file, ReadLimits limits) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = channel.size();
      byte[] head = new byte[4];
      int n = channel.read(ByteBuffer.wrap(head), 0);
      Compression compression = Compression.detect(head, Math.max(n, 0));
      Map<String, TarMember> members = new LinkedHashMap<>();
      Map<String, byte[]> cached = new HashMap<>();
      if (compression == Compression.NONE) {
        channel.position(0);
        // no buffering: skip() on a channel stream moves the position, so data is never read
        MeteredInputStream in = new MeteredInputStream(Channels.newInputStream(channel), 0, null);
        index(new TarScanner(in, size), members, null, limits);
      } else {
        try (InputStream decoded = decodedStream(file, compression, limits)) {
          index(new TarScanner((MeteredInputStream) decoded, -1), members, cached, limits);
        }
      }
      return new CheckpointTar(file, limits, compression, channel, size, Collections.unmodifiableMap(members),
          cached);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Indexes an archive read once from a stream (plain, gzip or zstd), keeping only the metadata
   * members and CRIU images within the limits (never page data or the rootfs diff). Nothing else can
   * be read from the result: reading a member that was not kept throws {@link ArchiveFormatException}.
   * The stream is read to its end (not closed here), so a caller that tees it sees every byte.
   *
   * @param name what the archive is called in reports and errors
   */
  public static CheckpointTar streamed(InputStream in, Path name, ReadLimits limits) throws IOException {
    return streamed(in, name, limits, null);
  }

  /**
   * As {@link #streamed(InputStream, Path, ReadLimits)}, and also keeps the parts of page data and
   * other large members that {@code keep} asks for as each one goes by (it sees the members read so
   * far), so that they can be read from the result. With the runtimes' layout (members in name order:
   * {@code mm-*} and {@code pagemap-*} before {@code pages-*}) that is enough to find a process's
   * command line in one pass.
   *
   * @param keep may be null: keep nothing but the small members
   */
  public static CheckpointTar streamed(InputStream in, Path name, ReadLimits limits, StreamedKeep keep)
      throws IOException {
    return streamed(in, name, limits, keep, null);
  }

  /**
   * As {@link #streamed(InputStream, Path, ReadLimits, StreamedKeep)}, and shows each large member
   * to {@code visitor} as it goes by: while {@link StreamedVisitor#visit} runs, the member can be read
   * from the archive it is given, forward only (a read may start again where the previous one
   * started, not before), holding no more than the largest read. That is how one process's pages
   * are dumped or searched in one pass.
   *
   * @param keep may be null; if both are given, {@code keep} takes its parts first
   * @param visitor may be null
   */
  public static CheckpointTar streamed(InputStream in, Path name, ReadLimits limits, StreamedKeep keep,
      StreamedVisitor visitor) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
    buffered.mark(4);
    byte[] head = buffered.readNBytes(4);
    buffered.reset();
    MeteredInputStream raw = new MeteredInputStream(buffered, 0, null);
    Compression compression = Compression.detect(head, head.length);
    Map<String, TarMember> members = new LinkedHashMap<>();
    Map<String, byte[]> cached = new HashMap<>();
    MeteredInputStream decoded;
    if (compression == Compression.NONE) {
      decoded = raw;
    } else {
      try {
        decoded = bombGuarded(compression.decode(raw), raw, compression, limits);
      } catch (IOException e) {
        throw new ArchiveFormatException("", 0, "cannot read the " + compression + " stream: " + e.getMessage(), e);
      }
    }
    CheckpointTar tar = new CheckpointTar(name, limits, compression, null, -1, Collections.unmodifiableMap(members),
        cached);
    index(new TarScanner(decoded, -1), members, cached, limits, keep == null && visitor == null ? null : (scanner, m) -> {
      // a view of what was read so far; what it keeps goes into the final archive
      if (keep != null) {
        tar.keep(scanner, m, keep.ranges(tar, m));
      }
      if (visitor != null) {
        tar.passing = new PassingMember(scanner, m);
        try {
          visitor.visit(tar, m);
        } finally {
          tar.passing = null;
        }
      }
    });
    raw.transferTo(OutputStream.nullOutputStream()); // the end-of-archive blocks and any padding
    CheckpointTar done = new CheckpointTar(name, limits, compression, null, raw.count(),
        Collections.unmodifiableMap(members), cached);
    done.kept.putAll(tar.kept);
    return done;
  }

  /** What a streamed read may keep of a large member as it goes by. */
  @FunctionalInterface
  public interface StreamedKeep {
    /**
     * The parts of {@code member} to keep, in any order; {@code soFar} holds the members before it.
     * The total is the caller's to bound.
     */
    List<MemberRange> ranges(CheckpointTar soFar, TarMember member) throws IOException;
  }

  /** What a streamed read shows each large member to, as it goes by. */
  @FunctionalInterface
  public interface StreamedVisitor {
    /** {@code member} can be read forward from {@code soFar} during this call; the members before it as usual. */
    void visit(CheckpointTar soFar, TarMember member) throws IOException;
  }

  /** {@code length} bytes at {@code offset} within a member. */
  public record MemberRange(long offset, int length) {
  }

  /** Called by the index for each member it does not cache. */
  private interface Uncached {
    void member(TarScanner scanner, TarMember m) throws IOException;
  }

  private void keep(TarScanner scanner, TarMember m, List<MemberRange> ranges) throws IOException {
    if (ranges.isEmpty()) {
      return;
    }
    List<MemberRange> sorted = new ArrayList<>();
    for (MemberRange r : ranges) {
      if (r.offset() >= 0 && r.length() > 0 && r.offset() + r.length() <= m.size()) {
        sorted.add(r); // a range outside the member is left out: its reader reports what it cannot find
      }
    }
    sorted.sort((a, b) -> Long.compare(a.offset(), b.offset()));
    NavigableMap<Long, byte[]> parts = kept.computeIfAbsent(m.name(), k -> new TreeMap<>());
    // overlapping or touching ranges become one part, so that a read of any of them finds it whole
    int i = 0;
    while (i < sorted.size()) {
      long from = sorted.get(i).offset();
      long end = from + sorted.get(i).length();
      for (i++; i < sorted.size() && sorted.get(i).offset() <= end; i++) {
        end = Math.max(end, sorted.get(i).offset() + sorted.get(i).length());
      }
      if (end - from > limits.maxMemberBytes()) {
        continue; // never more than one member's worth in one part
      }
      byte[] data = new byte[(int) (end - from)];
      scanner.readCurrentAt(m, from, data);
      parts.put(from, data);
    }
  }

  private static void index(TarScanner scanner, Map<String, TarMember> members, Map<String, byte[]> cache,
      ReadLimits limits) throws IOException {
    index(scanner, members, cache, limits, null);
  }

  private static void index(TarScanner scanner, Map<String, TarMember> members, Map<String, byte[]> cache,
      ReadLimits limits, Uncached uncached) throws IOException {
    long cacheBudget = (long) CACHED_MEMBERS_BUDGET * limits.maxMemberBytes();
    long cachedBytes = 0;
    TarMember m;
    while ((m = scanner.next()) != null) {
      if (members.size() >= limits.maxMembers()) {
        throw new ArchiveFormatException(m.name(), scanner.position(), "more than " + limits.maxMembers()
            + " members in the archive");
      }
      members.remove(m.name()); // tar semantics: a later member of the same name replaces the earlier
      members.put(m.name(), m);
      if (cache != null && m.isFile() && m.size() <= limits.maxMemberBytes() && !isBulk(m.name())
          && cachedBytes + m.size() <= cacheBudget) {
        cache.put(m.name(), scanner.readCurrent(m.name(), limits.maxMemberBytes()));
        cachedBytes += m.size();
      } else if (uncached != null && m.isFile()) {
        uncached.member(scanner, m);
      }
    }
  }

  /** Members never worth keeping in memory: page data and the rootfs diff. */
  private static boolean isBulk(String name) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    return base.startsWith("pages-") || base.endsWith(".tar") || base.endsWith(".tar.gz");
  }

  /** A fresh decompressing stream over its own channel (closing it must not close the index's channel). */
  private static MeteredInputStream decodedStream(Path file, Compression compression, ReadLimits limits)
      throws IOException {
    MeteredInputStream raw = new MeteredInputStream(
        new BufferedInputStream(Channels.newInputStream(FileChannel.open(file, StandardOpenOption.READ)),
            64 * 1024), 0, null);
    InputStream decoded;
    try {
      decoded = compression.decode(raw);
    } catch (IOException e) {
      raw.close();
      throw new ArchiveFormatException("", 0, "cannot read the " + compression + " stream: " + e.getMessage(), e);
    }
    return bombGuarded(decoded, raw, compression, limits);
  }

  /** The decompressed stream, failing once it expands past the limits (a decompression bomb). */
  static MeteredInputStream bombGuarded(InputStream decoded, MeteredInputStream raw, Compression compression,
      ReadLimits limits) {
    return new MeteredInputStream(decoded, 0, total -> {
      if (total > limits.maxExpandedBytes()) {
        throw new ArchiveFormatException("", total, "archive expands beyond " + limits.maxExpandedBytes()
            + " bytes (decompression bomb?)");
      }
      if (total > (64L << 20) && total / Math.max(1, raw.count()) > limits.maxExpansionRatio()) {
        throw new ArchiveFormatException("", total, "archive expands more than " + limits.maxExpansionRatio()
            + " times its compressed size (decompression bomb?)");
      }
    }).decoding(compression.name().toLowerCase(java.util.Locale.ROOT));
  }

  public Path path() {
    return file;
  }

  public Compression compression() {
    return compression;
  }

  /** The archive file's size on disk (for a streamed archive, the bytes read from the stream). */
  public long fileSize() {
    return fileSize;
  }

  public ReadLimits limits() {
    return limits;
  }

  /** Members in archive order (a replaced duplicate appears once, at its last position). */
  public List<TarMember> members() {
    return new ArrayList<>(members.values());
  }

  public Optional<TarMember> member(String name) {
    return Optional.ofNullable(members.get(name));
  }

  /** The whole member, if it is at most {@link ReadLimits#maxMemberBytes()} long. */
  public byte[] readAll(TarMember m) throws IOException {
    byte[] hit = cached.get(m.name());
    if (hit != null) {
      return hit.clone();
    }
    if (m.size() > limits.maxMemberBytes()) {
      throw new ArchiveFormatException(m.name(), 0, "member is " + m.size() + " bytes, more than the "
          + limits.maxMemberBytes() + " bytes an image or metadata file may have");
    }
    byte[] data = new byte[(int) m.size()];
    readFully(m, 0, data, 0, data.length);
    return data;
  }

  /** Reads exactly {@code len} bytes of member {@code m} starting at {@code offset} within it. */
  public void readFully(TarMember m, long offset, byte[] buf, int off, int len) throws IOException {
    if (offset < 0 || len < 0 || offset + len > m.size()) {
      throw new ArchiveFormatException(m.name(), offset, "read of " + len + " bytes beyond the member's "
          + m.size() + " bytes");
    }
    byte[] hit = cached.get(m.name());
    if (hit != null) {
      System.arraycopy(hit, (int) offset, buf, off, len);
      return;
    }
    if (channel == null) {
      if (passing != null && passing.member.equals(m)) {
        passing.read(offset, buf, off, len);
        return;
      }
      if (readKept(m, offset, buf, off, len)) {
        return;
      }
      throw new NotKeptException(m.name(), offset);
    }
    long at = m.dataOffset() + offset;
    if (compression == Compression.NONE) {
      ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
      while (bb.hasRemaining()) {
        int n = channel.read(bb, at + bb.position() - off);
        if (n < 0) {
          throw new ArchiveFormatException(m.name(), offset + bb.position() - off, "archive ends inside the member");
        }
      }
      return;
    }
    synchronized (this) {
      if (cursor == null || cursor.position() > at) {
        if (cursor != null) {
          cursor.close();
        }
        cursor = new StreamCursor(decodedStream(file, compression, limits));
      }
      cursor.skipTo(at, m.name());
      TarScanner.readFully(cursor.in, buf, off, len, m.name(), offset);
    }
  }

  /** A read of a member that a streamed read skipped: it cannot be answered without reading the archive again. */
  public static final class NotKeptException extends ArchiveFormatException {
    private static final long serialVersionUID = 1L;

    NotKeptException(String member, long offset) {
      super(member, offset, "member was not kept by the streamed read (page data, the rootfs diff and members past"
          + " the read limits are skipped): read the archive from a file");
    }
  }

  /** Copies from what a streamed read kept, if one kept part holds the whole range. */
  private boolean readKept(TarMember m, long offset, byte[] buf, int off, int len) {
    NavigableMap<Long, byte[]> parts = kept.get(m.name());
    if (parts == null) {
      return false;
    }
    Map.Entry<Long, byte[]> part = parts.floorEntry(offset);
    if (part == null || offset + len > part.getKey() + part.getValue().length) {
      return false;
    }
    System.arraycopy(part.getValue(), (int) (offset - part.getKey()), buf, off, len);
    return true;
  }

  /** A sequential stream over one member's data (for hashing or copying a whole member). */
  public InputStream openStream(TarMember m) {
    return new InputStream() {
      private long pos;
      private final byte[] one = new byte[1];

      @Override
      public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (pos >= m.size()) {
          return -1;
        }
        int n = (int) Math.min(len, m.size() - pos);
        readFully(m, pos, b, off, n);
        pos += n;
        return n;
      }

      @Override
      public long skip(long n) {
        // reads are by offset: skipped bytes of a file are never read, a stream passes them on the next read
        long s = Math.max(0, Math.min(n, m.size() - pos));
        pos += s;
        return s;
      }
    };
  }

  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (cursor != null) {
        cursor.close();
      }
    }
    if (channel != null) {
      channel.close();
    }
  }

  /**
   * The member a streamed read is passing, read forward: it holds the bytes from the start of the last
   * read on, so the next read may overlap it (a search window's context) but never go before it.
   */
  private static final class PassingMember {
    final TarScanner scanner;
    final TarMember member;
    private byte[] held = new byte[0];
    private long heldStart;
    private int heldLength;

    PassingMember(TarScanner scanner, TarMember member) {
      this.scanner = scanner;
      this.member = member;
    }

    void read(long offset, byte[] buf, int off, int len) throws IOException {
      if (offset < heldStart) {
        throw new ArchiveFormatException(member.name(), offset, "read goes back before " + heldStart
            + " in a one-pass read: read the archive from a file");
      }
      if (offset >= heldStart + heldLength) {
        heldStart = offset;
        heldLength = 0;
      } else {
        int drop = (int) (offset - heldStart);
        System.arraycopy(held, drop, held, 0, heldLength - drop);
        heldLength -= drop;
        heldStart = offset;
      }
      if (len > heldLength) {
        if (held.length < len) {
          held = java.util.Arrays.copyOf(held, len);
        }
        scanner.readCurrentAt(member, heldStart + heldLength, held, heldLength, len - heldLength);
        heldLength = len;
      }
      System.arraycopy(held, 0, buf, off, len);
    }
  }

  /** A decompressing stream that only moves forward; reopened when a read goes backwards. */
  private static final class StreamCursor {
    final MeteredInputStream in;

    StreamCursor(MeteredInputStream in) {
      this.in = in;
    }

    long position() {
      return in.count();
    }

    void skipTo(long target, String member) throws IOException {
      while (in.count() < target) {
        long s = in.skip(target - in.count());
        if (s <= 0 && in.read() < 0) {
          throw new ArchiveFormatException(member, in.count(), "archive ends before the member's data");
        }
      }
    }

    void close() throws IOException {
      in.close();
    }
  }
}
