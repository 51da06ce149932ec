package io.ckpt.forensics.archive;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads tar headers one after the other from a stream (ustar, GNU long names, PAX path/size, as Go's
 * archive/tar writes them for the runtimes), never reading data it is not asked for. Member names
 * are checked: an absolute name or a ".." component is refused (nothing is extracted, but a name
 * like that only appears in a crafted archive, and later tools might extract it).
 */
final class TarScanner {

  static final int BLOCK = 512;
  private static final int MAX_LONG_NAME = 64 * 1024;
  private static final int MAX_PAX = 1 << 20;
  private static final java.util.Set<String> PAX_KEYS = java.util.Set.of("path", "size", "mtime", "linkpath", "uid",
      "gid", "uname", "gname");

  private final MeteredInputStream in;
  /** -1 when the stream length is not known in advance (compressed archives). */
  private final long knownLength;
  /**
   * For the archives inside a checkpoint (rootfs-diff.tar, tmpfs images), which fcp lists: a name
   * that is absolute or has a ".." component is kept and reported ({@link TarEntryHeader#unsafeName()}),
   * not refused, since it is evidence of what the attacker wrote.
   */
  private final boolean reportUnsafeNames;
  private TarEntryHeader header0;
  private final byte[] header = new byte[BLOCK];
  private long dataEnd = -1;
  private long paddedEnd = -1;
  private boolean finished;

  TarScanner(MeteredInputStream in, long knownLength) {
    this(in, knownLength, false);
  }

  TarScanner(MeteredInputStream in, long knownLength, boolean reportUnsafeNames) {
    this.in = in;
    this.knownLength = knownLength;
    this.reportUnsafeNames = reportUnsafeNames;
  }

  /** The full header of the member {@link #next()} returned last (owner, link target, device, sparse). */
  TarEntryHeader header() {
    return header0;
  }

  /** The rest of the current member's data as a stream (its end is the member's end). */
  InputStream currentData() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        if (in.count() >= dataEnd) {
          return -1;
        }
        return in.read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        long left = dataEnd - in.count();
        if (left <= 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
          throw new ArchiveFormatException("", in.count(), "truncated member: archive ends inside it");
        }
        return n;
      }
    };
  }

  long position() {
    return in.count();
  }

  /** The next member, or null at the end of the archive; skips the unread data of the previous one. */
  TarMember next() throws IOException {
    if (finished) {
      return null;
    }
    skipRestOfMember();
    String longName = null;
    String longLink = null;
    java.util.Map<String, String> pax = java.util.Map.of();
    String paxPath = null;
    long paxSize = -1;
    while (true) {
      long headerOffset = in.count();
      int got = readUpTo(header, BLOCK);
      if (got == 0) {
        // Go's archive/tar accepts an archive that ends at a header boundary without zero blocks
        finished = true;
        return null;
      }
      if (got < BLOCK) {
        throw new ArchiveFormatException("", headerOffset, "truncated tar header: " + got + " of 512 bytes");
      }
      if (allZero(header)) {
        finished = true;
        return null;
      }
      verifyChecksum(headerOffset);
      long size = number(header, 124, 12, headerOffset, "size");
      char type = (char) (header[156] & 0xff);
      if (type == 'S' && header[482] != 0) {
        skipSparseExtensions(headerOffset);
      }
      long dataOffset = in.count();
      checkSize(size, dataOffset, headerName(), headerOffset);
      if (knownLength >= 0 && size > knownLength - dataOffset) {
        throw new ArchiveFormatException(headerName(), headerOffset, "truncated tar member: header says "
            + size + " bytes but the archive ends " + (knownLength - dataOffset) + " bytes later");
      }
      dataEnd = dataOffset + size;
      paddedEnd = dataOffset + (size + BLOCK - 1) / BLOCK * BLOCK;
      switch (type) {
        case 'L' -> {
          longName = cString(readData(size, MAX_LONG_NAME, "GNU long name", headerOffset), 0, (int) size);
          continue;
        }
        case 'K' -> {
          longLink = cString(readData(size, MAX_LONG_NAME, "GNU long link name", headerOffset), 0, (int) size);
          continue;
        }
        case 'x' -> {
          pax = parsePax(readData(size, MAX_PAX, "PAX header", headerOffset), headerOffset);
          if (pax.get("path") != null) {
            paxPath = pax.get("path");
          }
          if (pax.get("size") != null) {
            paxSize = parseLong(pax.get("size"), headerOffset, "PAX size");
          }
          continue;
        }
        case 'g' -> {
          readData(size, MAX_PAX, "PAX global header", headerOffset);
          continue;
        }
        default -> {
        }
      }
      String rawName = paxPath != null ? paxPath : longName != null ? longName : headerName();
      if (paxSize >= 0) {
        size = paxSize;
        checkSize(size, dataOffset, rawName, headerOffset);
        if (knownLength >= 0 && size > knownLength - dataOffset) {
          throw new ArchiveFormatException(rawName, headerOffset, "truncated tar member: PAX size " + size);
        }
        dataEnd = dataOffset + size;
        paddedEnd = dataOffset + (size + BLOCK - 1) / BLOCK * BLOCK;
      }
      TarMember.Kind kind = switch (type) {
        case '0', '\0', '7' -> TarMember.Kind.FILE;
        case '5' -> TarMember.Kind.DIRECTORY;
        case '2' -> TarMember.Kind.SYMLINK;
        case '1' -> TarMember.Kind.HARDLINK;
        default -> TarMember.Kind.OTHER;
      };
      if (kind != TarMember.Kind.FILE) {
        // links and directories carry no data even if a broken header claims a size
        if (kind != TarMember.Kind.OTHER) {
          dataEnd = dataOffset;
          paddedEnd = dataOffset;
          size = 0;
        }
      }
      boolean unsafeName = false;
      String name;
      if (reportUnsafeNames) {
        if (pax.get("GNU.sparse.name") != null) {
          rawName = pax.get("GNU.sparse.name"); // PAX sparse 0.x/1.0 keep the real name here
        }
        name = innerName(rawName);
        unsafeName = rawName.startsWith("/") || rawName.indexOf('\0') >= 0
            || java.util.Arrays.asList(rawName.split("/", -1)).contains("..");
      } else {
        name = normalise(rawName, headerOffset);
      }
      int mode = (int) number(header, 100, 8, headerOffset, "mode");
      long mtime = number(header, 136, 12, headerOffset, "mtime");
      if (pax.get("mtime") != null) {
        mtime = paxSeconds(pax.get("mtime"), mtime);
      }
      if (!reportUnsafeNames) {
        // the checkpoint tar itself: owner, link and device fields are not read (nor can they fail)
        return new TarMember(name, kind, size, dataOffset, mode, mtime);
      }
      String link = pax.get("linkpath") != null ? pax.get("linkpath") : longLink != null ? longLink
          : cString(header, 157, 100);
      boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't';
      long uid = pax.get("uid") != null ? parseLong(pax.get("uid"), headerOffset, "PAX uid")
          : number(header, 108, 8, headerOffset, "uid");
      long gid = pax.get("gid") != null ? parseLong(pax.get("gid"), headerOffset, "PAX gid")
          : number(header, 116, 8, headerOffset, "gid");
      String user = pax.get("uname") != null ? pax.get("uname") : ustar ? cString(header, 265, 32) : "";
      String group = pax.get("gname") != null ? pax.get("gname") : ustar ? cString(header, 297, 32) : "";
      int devMajor = type == '3' || type == '4' ? (int) number(header, 329, 8, headerOffset, "devmajor") : 0;
      int devMinor = type == '3' || type == '4' ? (int) number(header, 337, 8, headerOffset, "devminor") : 0;
      boolean sparse = type == 'S' || pax.containsKey("GNU.sparse.map") || pax.containsKey("GNU.sparse.major")
          || pax.containsKey("GNU.sparse.realsize") || pax.containsKey("GNU.sparse.size");
      long realSize = size;
      if (type == 'S') {
        realSize = number(header, 483, 12, headerOffset, "GNU sparse real size");
      } else if (pax.get("GNU.sparse.realsize") != null) {
        realSize = parseLong(pax.get("GNU.sparse.realsize"), headerOffset, "PAX sparse real size");
      } else if (pax.get("GNU.sparse.size") != null) {
        realSize = parseLong(pax.get("GNU.sparse.size"), headerOffset, "PAX sparse size");
      }
      header0 = new TarEntryHeader(type, rawName, unsafeName, link, uid, gid, user, group, devMajor, devMinor, sparse,
          realSize);
      return new TarMember(name, kind, size, dataOffset, mode, mtime);
    }
  }

  /** Reads the current member's data (at most {@code max} bytes) into memory. */
  byte[] readCurrent(String member, int max) throws IOException {
    long size = dataEnd - in.count();
    if (size > max) {
      throw new ArchiveFormatException(member, 0, "member is " + size + " bytes, more than the "
          + max + " bytes an image or metadata file may have");
    }
    byte[] data = new byte[(int) size];
    int got = readUpTo(data, data.length);
    if (got < data.length) {
      throw new ArchiveFormatException(member, got, "truncated member: archive ends after " + got
          + " of " + size + " bytes");
    }
    return data;
  }

  /**
   * Reads {@code data.length} bytes of the current member {@code m} from {@code offset} within it,
   * skipping forward to it (a stream cannot go back: {@code offset} is at or after what was read).
   */
  void readCurrentAt(TarMember m, long offset, byte[] data) throws IOException {
    readCurrentAt(m, offset, data, 0, data.length);
  }

  /** As {@link #readCurrentAt(TarMember, long, byte[])}, into {@code len} bytes of {@code data} from {@code off}. */
  void readCurrentAt(TarMember m, long offset, byte[] data, int off, int len) throws IOException {
    long target = m.dataOffset() + offset;
    while (in.count() < target) {
      long s = in.skip(target - in.count());
      if (s <= 0 && in.read() < 0) {
        throw new ArchiveFormatException(m.name(), in.count() - m.dataOffset(), "truncated member: archive ends"
            + " inside it");
      }
    }
    if (in.count() != target) {
      throw new IllegalStateException("read of " + m.name() + " at " + offset + " behind the stream");
    }
    int got = 0;
    while (got < len) {
      int n = in.read(data, off + got, len - got);
      if (n < 0) {
        throw new ArchiveFormatException(m.name(), offset + got, "truncated member: archive ends inside it");
      }
      got += n;
    }
  }

  private byte[] readData(long size, int max, String what, long headerOffset) throws IOException {
    if (size > max) {
      throw new ArchiveFormatException("", headerOffset, what + " of " + size + " bytes exceeds " + max);
    }
    byte[] data = new byte[(int) size];
    if (readUpTo(data, data.length) < data.length) {
      throw new ArchiveFormatException("", headerOffset, "truncated " + what);
    }
    skipRestOfMember();
    return data;
  }

  private void skipRestOfMember() throws IOException {
    if (paddedEnd < 0) {
      return;
    }
    long target = paddedEnd;
    long mustReach = dataEnd;
    paddedEnd = -1;
    while (in.count() < target) {
      long s = in.skip(target - in.count());
      if (s <= 0) {
        if (in.read() < 0) {
          if (in.count() < mustReach) {
            throw new ArchiveFormatException("", in.count(), "truncated tar member data: archive ends "
                + (mustReach - in.count()) + " bytes early");
          }
          finished = true;
          return;
        }
      }
    }
  }

  private int readUpTo(byte[] buf, int len) throws IOException {
    int off = 0;
    while (off < len) {
      int n = in.read(buf, off, len - off);
      if (n < 0) {
        break;
      }
      off += n;
    }
    return off;
  }

  private void verifyChecksum(long headerOffset) throws IOException {
    long stored;
    try {
      stored = number(header, 148, 8, headerOffset, "checksum");
    } catch (ArchiveFormatException e) {
      throw new ArchiveFormatException("", headerOffset,
          "not a tar header (unreadable checksum field): the archive is corrupt or not a tar file");
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = (i >= 148 && i < 156) ? (byte) ' ' : header[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored != unsigned && stored != signed) {
      throw new ArchiveFormatException(headerName(), headerOffset,
          "not a tar header (checksum mismatch): the archive is corrupt or not a tar file");
    }
  }

  private String headerName() {
    String name = cString(header, 0, 100);
    boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r';
    if (ustar) {
      String prefix = cString(header, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  /**
   * Reads past the extension blocks of an old GNU sparse header (each holds more of the sparse map and
   * says whether another follows): they come before the data and its size does not count them.
   */
  private void skipSparseExtensions(long headerOffset) throws IOException {
    byte[] ext = new byte[BLOCK];
    do {
      if (readUpTo(ext, BLOCK) < BLOCK) {
        throw new ArchiveFormatException("", headerOffset, "truncated GNU sparse extension header");
      }
    } while (ext[504] != 0);
  }

  /** A listed archive's name without leading "./" or trailing "/"; nothing refused. */
  private static String innerName(String raw) {
    String name = raw;
    while (name.startsWith("./")) {
      name = name.substring(2);
    }
    while (name.length() > 1 && name.endsWith("/")) {
      name = name.substring(0, name.length() - 1);
    }
    return name.equals(".") ? "" : name;
  }

  /** A PAX time ("1706380245.123456789"): whole seconds, the header's value when unreadable. */
  private static long paxSeconds(String value, long fallback) {
    String whole = value.contains(".") ? value.substring(0, value.indexOf('.')) : value;
    try {
      return Long.parseLong(whole.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  static String normalise(String raw, long headerOffset) throws ArchiveFormatException {
    String name = raw;
    if (name.indexOf('\0') >= 0) {
      throw new ArchiveFormatException(raw, headerOffset, "member name contains a NUL byte");
    }
    if (name.startsWith("/")) {
      throw new ArchiveFormatException(raw, headerOffset, "absolute member name refused (path traversal)");
    }
    while (name.startsWith("./")) {
      name = name.substring(2);
    }
    while (name.endsWith("/")) {
      name = name.substring(0, name.length() - 1);
    }
    for (String part : name.split("/", -1)) {
      if (part.equals("..")) {
        throw new ArchiveFormatException(raw, headerOffset, "member name with '..' refused (path traversal)");
      }
    }
    return name;
  }

  /**
   * Refuses a size whose end (rounded up to a block) would pass Long.MAX_VALUE: base-256 and PAX
   * sizes reach 2^63-1, and {@code dataOffset + size} would wrap negative and pass every later
   * comparison (the member's end would then lie before its start).
   */
  private static void checkSize(long size, long dataOffset, String member, long headerOffset)
      throws ArchiveFormatException {
    if (size < 0 || size > Long.MAX_VALUE - BLOCK - dataOffset) {
      throw new ArchiveFormatException(member, headerOffset, "tar member size " + size + " out of range");
    }
  }

  private static long number(byte[] h, int off, int len, long headerOffset, String field)
      throws ArchiveFormatException {
    if ((h[off] & 0x80) != 0) {
      // GNU base-256: big-endian two's complement in the remaining bytes
      if ((h[off] & 0x40) != 0) {
        throw new ArchiveFormatException("", headerOffset, "negative tar " + field);
      }
      long v = h[off] & 0x3f;
      for (int i = off + 1; i < off + len; i++) {
        if (v > (Long.MAX_VALUE >> 8)) {
          throw new ArchiveFormatException("", headerOffset, "tar " + field + " out of range");
        }
        v = (v << 8) | (h[i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (h[i] == ' ' || h[i] == 0)) {
      i++;
    }
    boolean digits = false;
    for (; i < end; i++) {
      byte b = h[i];
      if (b == 0 || b == ' ') {
        break;
      }
      if (b < '0' || b > '7') {
        throw new ArchiveFormatException("", headerOffset, "tar " + field + " is not an octal number");
      }
      digits = true;
      v = (v << 3) | (b - '0');
    }
    return digits ? v : 0;
  }

  /** The PAX records fcp reads (path, size, times, owner, link, GNU sparse); the rest are skipped. */
  private static java.util.Map<String, String> parsePax(byte[] pax, long headerOffset) throws ArchiveFormatException {
    java.util.Map<String, String> out = new java.util.HashMap<>();
    int pos = 0;
    while (pos < pax.length) {
      int space = pos;
      while (space < pax.length && pax[space] != ' ') {
        space++;
      }
      if (space >= pax.length) {
        throw new ArchiveFormatException("", headerOffset, "malformed PAX record");
      }
      long recLen = parseLong(new String(pax, pos, space - pos, StandardCharsets.US_ASCII), headerOffset,
          "PAX record length");
      if (recLen <= space - pos || pos + recLen > pax.length) {
        throw new ArchiveFormatException("", headerOffset, "malformed PAX record length " + recLen);
      }
      String rec = new String(pax, space + 1, (int) (pos + recLen - space - 2), StandardCharsets.UTF_8);
      int eq = rec.indexOf('=');
      if (eq > 0) {
        String key = rec.substring(0, eq);
        if (PAX_KEYS.contains(key) || key.startsWith("GNU.sparse.") && out.size() < 32) {
          out.put(key, rec.substring(eq + 1));
        }
      }
      pos += (int) recLen;
    }
    return out;
  }

  private static long parseLong(String s, long headerOffset, String what) throws ArchiveFormatException {
    try {
      long v = Long.parseLong(s.trim());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new ArchiveFormatException("", headerOffset, "invalid " + what + ": " + s);
    }
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  static void readFully(InputStream in, byte[] buf, int off, int len, String member, long offset)
      throws IOException {
    int done = 0;
    while (done < len) {
      int n = in.read(buf, off + done, len - done);
      if (n < 0) {
        throw new ArchiveFormatException(member, offset + done, "truncated: wanted " + len
            + " bytes", new EOFException());
      }
      done += n;
    }
  }
}
