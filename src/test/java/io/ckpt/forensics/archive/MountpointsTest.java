package io.ckpt.forensics.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.criu.Mnt.mnt_entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * mountpoints-*.img, which no fixture holds: an image written here in CRIU's format (IMG_COMMON,
 * MNTS magic, then length-prefixed mnt_entry records) is decoded and shown by fcp inspect --mounts.
 */
public class MountpointsTest {

  /** A mountpoints-*.img holding these entries (also used by cli's FcpJsonSchemaTest). */
  public static byte[] image(mnt_entry... entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(le(CriuMagic.IMG_COMMON));
    out.write(le(0x55563928)); // MNTS, criu/include/magic.h
    for (mnt_entry e : entries) {
      byte[] body = e.toByteArray();
      out.write(le(body.length));
      out.write(body);
    }
    return out.toByteArray();
  }

  static byte[] le(int value) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
  }

  public static mnt_entry mount(int id, int parent, String mountpoint, String source, String fsname) {
    return mnt_entry.newBuilder().setFstype(1).setMntId(id).setRootDev(0x800001).setParentMntId(parent).setFlags(0)
        .setRoot("/").setMountpoint(mountpoint).setSource(source).setOptions("rw,relatime").setFsname(fsname).build();
  }

  @Test
  void decodesEveryMountNamespaceImageAndInspectShowsThem() throws Exception {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    members.put("checkpoint/mountpoints-13.img", image(mount(1186, 1185, "/", "overlay", "overlay"),
        mount(1187, 1186, "/proc", "proc", "proc")));
    members.put("checkpoint/mountpoints-14.img", image(mount(1300, 1186, "/etc/hostname", "/dev/vda1", "ext4")));
    Path file = FixtureArchives.scratch("mountpoints").resolve("checkpoint-with-mounts.tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(members, out);
    }

    try (CheckpointTar tar = CheckpointTar.open(file)) {
      var mounts = CheckpointImages.of(tar).orElseThrow().mountpoints();
      assertThat(mounts).extracting(RecordedMount::mountpoint).containsExactly("/", "/proc", "/etc/hostname");
      assertThat(mounts).extracting(RecordedMount::id).containsExactly(1186, 1187, 1300);
    }

    StringWriter out = new StringWriter();
    int code = io.ckpt.forensics.cli.FcpMain.run(new String[] {"inspect", "--mounts", file.toString()},
        new PrintWriter(out), new PrintWriter(new StringWriter()));
    assertThat(code).isZero();
    assertThat(out.toString()).contains("Mount points recorded by CRIU").contains("[1187] /proc")
        .contains("Source: /dev/vda1 (ext4)").contains("Options: rw,relatime");
  }
}
