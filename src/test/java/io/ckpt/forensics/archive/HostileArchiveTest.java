package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.airlift.compress.zstd.ZstdOutputStream;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.criu.Pagemap.pagemap_entry;
import io.ckpt.forensics.archive.criu.Pagemap.pagemap_head;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Each kind of broken or hostile input ends in an ArchiveFormatException naming member and offset. */
class HostileArchiveTest {

  private static Path file(String name, byte[] data) throws IOException {
    Path p = FixtureArchives.scratch("hostile").resolve(name);
    Files.write(p, data);
    return p;
  }

  private static byte[] tar(Map<String, byte[]> members) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FixtureArchives.write(members, out);
    return out.toByteArray();
  }

  private static Map<String, byte[]> crio() {
    return new LinkedHashMap<>(FixtureArchives.members(Flavour.CRIO_OPERATOR));
  }

  @Test
  void truncatedTarNamesTheMember() throws Exception {
    byte[] whole = tar(crio());
    // cut inside pages-1.img (the largest member)
    Path p = file("truncated.tar", Arrays.copyOf(whole, whole.length - 40_000));
    assertThatThrownBy(() -> CheckpointTar.open(p)).isInstanceOf(ArchiveFormatException.class)
        .hasMessageContaining("truncated tar member").hasMessageContaining("checkpoint/pages-1.img")
        .hasMessageContaining("offset");
    Path header = file("truncated-header.tar", Arrays.copyOf(whole, 700));
    assertThatThrownBy(() -> CheckpointTar.open(header)).isInstanceOf(ArchiveFormatException.class)
        .hasMessageContaining("config.dump");
  }

  @Test
  void notATarAtAll() throws Exception {
    byte[] junk = new byte[4096];
    new java.util.Random(7).nextBytes(junk);
    junk[0] = 'x';
    Path p = file("junk.tar", junk);
    assertThatThrownBy(() -> CheckpointTar.open(p)).isInstanceOf(ArchiveFormatException.class)
        .hasMessageContaining("checksum mismatch").hasMessageContaining("offset 0");
  }

  @Test
  void wrongMagicNamesTheImage() throws Exception {
    Map<String, byte[]> m = crio();
    byte[] core = m.get("checkpoint/core-2956.img").clone();
    core[4] = 0x11;
    m.put("checkpoint/core-2956.img", core);
    try (CheckpointTar tar = CheckpointTar.open(file("magic.tar", tar(m)))) {
      assertThatThrownBy(() -> CheckpointImages.of(tar).orElseThrow().processes())
          .isInstanceOf(ArchiveFormatException.class).hasMessageContaining("checkpoint/core-2956.img")
          .hasMessageContaining("wrong image type").hasMessageContaining("offset 4");
    }
  }

  @Test
  void aFourGibLengthPrefixIsRefusedBeforeAllocating() throws Exception {
    Map<String, byte[]> m = crio();
    byte[] pstree = m.get("checkpoint/pstree.img").clone();
    ByteBuffer.wrap(pstree).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0xffffffff);
    m.put("checkpoint/pstree.img", pstree);
    try (CheckpointTar tar = CheckpointTar.open(file("length.tar", tar(m)))) {
      assertThatThrownBy(() -> CheckpointImages.of(tar).orElseThrow().processes())
          .isInstanceOf(ArchiveFormatException.class).hasMessageContaining("entry length 4294967295")
          .hasMessageContaining("checkpoint/pstree.img").hasMessageContaining("offset 8");
    }
  }

  @Test
  void pathTraversalMemberNamesAreRefused() throws Exception {
    Map<String, byte[]> m = crio();
    m.put("checkpoint/../../../etc/cron.d/evil", "x".getBytes());
    assertThatThrownBy(() -> CheckpointTar.open(file("traversal.tar", tar(m))))
        .isInstanceOf(ArchiveFormatException.class).hasMessageContaining("path traversal")
        .hasMessageContaining("checkpoint/../../../etc/cron.d/evil");
  }

  @Test
  void anEndlessPagemapIsCaughtAgainstThePagesImage() throws Exception {
    Map<String, byte[]> m = crio();
    ByteArrayOutputStream img = new ByteArrayOutputStream();
    img.write(le(CriuMagic.IMG_COMMON));
    img.write(le(CriuMagic.PAGEMAP.value()));
    byte[] head = pagemap_head.newBuilder().setPagesId(1).build().toByteArray();
    img.write(le(head.length));
    img.write(head);
    byte[] entry = pagemap_entry.newBuilder().setVaddr(0x400000).setCompatNrPages(0).setNrPages(1L << 40)
        .setFlags(4).build().toByteArray();
    img.write(le(entry.length));
    img.write(entry);
    m.put("checkpoint/pagemap-2956.img", img.toByteArray());
    try (CheckpointTar tar = CheckpointTar.open(file("pagemap.tar", tar(m)))) {
      assertThatThrownBy(() -> CheckpointImages.of(tar).orElseThrow().memory(2956))
          .isInstanceOf(ArchiveFormatException.class).hasMessageContaining("checkpoint/pagemap-2956.img")
          .hasMessageContaining("pagemap entry 1");
    }
  }

  @Test
  void aDecompressionBombStopsAtTheExpansionLimit() throws Exception {
    Path p = FixtureArchives.scratch("hostile").resolve("bomb.tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(p))) {
      Map<String, byte[]> m = new LinkedHashMap<>();
      m.put("checkpoint/pages-1.img", new byte[96 << 20]);
      FixtureArchives.write(m, out);
    }
    assertThat(Files.size(p)).isLessThan(1 << 20);
    assertThatThrownBy(() -> CheckpointTar.open(p)).isInstanceOf(ArchiveFormatException.class)
        .hasMessageContaining("decompression bomb");
    ReadLimits small = new ReadLimits(1 << 20, 10, 8 << 20, 1_000_000);
    assertThatThrownBy(() -> CheckpointTar.open(p, small)).isInstanceOf(ArchiveFormatException.class)
        .hasMessageContaining("expands beyond 8388608");
  }

  @Test
  void tooManyMembersAndOversizedImagesAreRefused() throws Exception {
    Path p = file("many.tar", tar(crio()));
    assertThatThrownBy(() -> CheckpointTar.open(p, new ReadLimits(1 << 20, 5, 1 << 30, 1000)))
        .isInstanceOf(ArchiveFormatException.class).hasMessageContaining("more than 5 members");
    try (CheckpointTar tar = CheckpointTar.open(p, new ReadLimits(1000, 100, 1 << 30, 1000))) {
      assertThatThrownBy(() -> CheckpointImages.of(tar).orElseThrow().processes())
          .isInstanceOf(ArchiveFormatException.class).hasMessageContaining("more than the 1000 bytes");
    }
  }

  @Test
  void gzipAndZstdArchivesReadLikePlainOnes() throws Exception {
    byte[] plain = tar(crio());
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gz)) {
      out.write(plain);
    }
    ByteArrayOutputStream zst = new ByteArrayOutputStream();
    try (OutputStream out = new ZstdOutputStream(zst)) {
      out.write(plain);
    }
    for (Path p : new Path[] {file("c.tar.gz", gz.toByteArray()), file("c.tar.zst", zst.toByteArray())}) {
      try (CheckpointTar tar = CheckpointTar.open(p)) {
        assertThat(tar.compression()).isNotEqualTo(Compression.NONE);
        CheckpointImages images = CheckpointImages.of(tar).orElseThrow();
        ProcessMemory mem = images.memory(2956);
        assertThat(mem.commandLine()).isEqualTo("./loop2 ");
        assertThat(mem.environment()).hasSize(13);
        assertThat(new MemorySearch(MemorySearch.literal("ANDROID_DATA"), 0, 0, -1, 10).search(mem)).isNotEmpty();
      }
    }
    byte[] corrupt = gz.toByteArray().clone();
    for (int i = 40; i < corrupt.length - 20; i += 97) {
      corrupt[i] ^= 0x5a;
    }
    Path bad = file("corrupt.tar.gz", corrupt);
    assertThatThrownBy(() -> {
      try (CheckpointTar tar = CheckpointTar.open(bad)) {
        CheckpointImages.of(tar).orElseThrow().memory(2956).environment();
      }
    }).isInstanceOf(ArchiveFormatException.class);
  }

  private static byte[] le(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  @Test
  void aTarSizeNearLongMaxValueCannotWrapTheTruncationCheck() throws Exception {
    for (long size : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 511}) {
      byte[] archive = new byte[512 * 4];
      byte[] header = rawHeader("huge", size);
      System.arraycopy(header, 0, archive, 0, 512);
      // a second, valid member where the first one's data would start
      System.arraycopy(rawHeader("next", 0), 0, archive, 512, 512);
      Path plain = file("huge-size.tar", archive);
      assertThatThrownBy(() -> CheckpointTar.open(plain)).isInstanceOf(ArchiveFormatException.class)
          .hasMessageContaining("size " + size);
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (OutputStream o = new GZIPOutputStream(gz)) {
        o.write(archive);
      }
      Path compressed = file("huge-size.tar.gz", gz.toByteArray());
      assertThatThrownBy(() -> CheckpointTar.open(compressed)).isInstanceOf(ArchiveFormatException.class)
          .hasMessageContaining("size " + size);
    }
  }

  /** A ustar file header whose size field holds {@code size} in GNU base-256. */
  private static byte[] rawHeader(String name, long size) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(n, 0, h, 0, n.length);
    System.arraycopy("0000600\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, h, 100, 8);
    h[124] = (byte) 0x80;
    for (int i = 0; i < 8; i++) {
      h[135 - i] = (byte) (size >>> (8 * i));
    }
    System.arraycopy("00000000000\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, h, 136, 12);
    h[156] = '0';
    System.arraycopy("ustar".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, h, 257, 5);
    h[263] = '0';
    h[264] = '0';
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    byte[] chk = String.format("%06o\0 ", sum).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(chk, 0, h, 148, 8);
    return h;
  }

  private static FileChanges fileChanges(Map<String, byte[]> members, ReadLimits limits) throws IOException {
    Path p = file("file-changes-" + System.nanoTime() + ".tar", tar(members));
    try (CheckpointTar tar = CheckpointTar.open(p, limits)) {
      return new FileChangesReader(f -> true, true).finish(tar);
    }
  }

  @Test
  void aTmpfsImageThatIsAGzipBombIsNamedAndTheRestListed() throws Exception {
    Map<String, byte[]> m = FileChangeFixtures.members();
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(new GZIPOutputStream(bomb))) {
      var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("zeros");
      e.setSize(8 << 20);
      tar.putArchiveEntry(e);
      tar.write(new byte[8 << 20]); // compresses a thousandfold: its bytes are hashed as they expand
      tar.closeArchiveEntry();
    }
    m.put("checkpoint/tmpfs-dev-" + FileChangeFixtures.SHM_DEVICE + ".tar.gz.img", bomb.toByteArray());
    FileChanges c = fileChanges(m, new ReadLimits(16 << 20, 100_000, 1 << 20, 1000));
    assertThat(c.problems()).singleElement().asString().contains("tmpfs-dev-649.tar.gz.img")
        .contains("decompression bomb");
    assertThat(c.written()).isEqualTo(14);
  }

  @Test
  void aTmpfsImageThatIsNotGzipOrATarIsNamed() throws Exception {
    Map<String, byte[]> m = FileChangeFixtures.members();
    m.put("checkpoint/tmpfs-dev-" + FileChangeFixtures.SHM_DEVICE + ".tar.gz.img", "not gzip".getBytes());
    m.put("checkpoint/tmpfs-dev-7.tar.gz.img", gzip(new byte[] {'x', 'y'}));
    FileChanges c = fileChanges(m, ReadLimits.DEFAULT);
    assertThat(c.problems()).anySatisfy(p -> assertThat(p).contains("tmpfs-dev-649.tar.gz.img", "not a gzip stream"))
        .anySatisfy(p -> assertThat(p).contains("tmpfs-dev-7.tar.gz.img", "truncated tar header"));
    assertThat(c.tmpfs()).isZero();
  }

  @Test
  void anInnerPaxHeaderPastTheBoundIsRefusedWithoutReadingIt() throws Exception {
    Map<String, byte[]> m = FileChangeFixtures.members();
    byte[] pax = new byte[(2 << 20) + 1024];
    byte[] h = new byte[512];
    System.arraycopy("PaxHeaders/x".getBytes(), 0, h, 0, 12);
    System.arraycopy(String.format("%011o", 2L << 20).getBytes(), 0, h, 124, 11);
    System.arraycopy("0000644".getBytes(), 0, h, 100, 7);
    h[156] = 'x';
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    System.arraycopy(String.format("%06o", sum).getBytes(), 0, h, 148, 6);
    h[154] = 0;
    System.arraycopy(h, 0, pax, 0, 512);
    m.put("rootfs-diff.tar", pax);
    FileChanges c = fileChanges(m, ReadLimits.DEFAULT);
    assertThat(c.problems()).singleElement().asString().contains("rootfs-diff.tar", "PAX header of 2097152 bytes");
    assertThat(c.tmpfs()).isEqualTo(4);
  }

  @Test
  void aTmpfsImageWhoseDeviceNoMountHasIsListedUnderItsImageName() throws Exception {
    Map<String, byte[]> m = FileChangeFixtures.members();
    m.put("checkpoint/tmpfs-dev-77.tar.gz.img", m.remove("checkpoint/tmpfs-dev-649.tar.gz.img"));
    FileChanges c = fileChanges(m, ReadLimits.DEFAULT);
    assertThat(c.entries()).extracting(ChangedFile::path).contains("[tmpfs-dev-77]/.cache");
    assertThat(c.problems()).singleElement().asString().contains("no mount in the mountpoints image has its device"
        + " number 77");
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
