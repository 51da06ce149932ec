package io.ckpt.forensics.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a `docker save` tarball: config, and layers applied in order with whiteouts, links and modes. */
class ImageTarballTest {

  static final String CONFIG = """
      {"architecture":"amd64","os":"linux","config":{"User":"65532:65532","WorkingDir":"/home/nonroot",
       "Env":["PATH=/usr/bin:/bin","LANG=C.UTF-8"],"Entrypoint":["java","-XX:+UseSerialGC","Main"]}}
      """;

  @TempDir
  Path dir;

  @Test
  void configAndNameAreRead() throws IOException {
    ImageTarball image = ImageTarball.read(image(List.of(layer(t -> file(t, "a", "x", 0644)))));

    assertThat(image.repoTags()).containsExactly("example:1");
    assertThat(image.user()).isEqualTo("65532:65532");
    assertThat(image.entrypoint()).containsExactly("java", "-XX:+UseSerialGC", "Main");
    assertThat(image.cmd()).isEmpty();
    assertThat(image.env()).containsExactly("PATH=/usr/bin:/bin", "LANG=C.UTF-8");
    assertThat(image.workingDir()).isEqualTo("/home/nonroot");
  }

  @Test
  void laterLayersOverwriteAndWhiteOutEarlierOnes() throws IOException {
    byte[] first = layer(t -> {
      directory(t, "etc/", 0755);
      file(t, "etc/kept", "first", 0640);
      file(t, "etc/replaced", "first", 0644);
      file(t, "etc/deleted", "first", 0644);
      directory(t, "opaque/", 0755);
      file(t, "opaque/old", "first", 0644);
      directory(t, "tmp/", 01777);
      symlink(t, "link", "etc/kept");
    });
    byte[] second = layer(t -> {
      file(t, "etc/replaced", "second", 0600);
      file(t, "etc/.wh.deleted", "", 0644);
      file(t, "opaque/new", "second", 0644); // before the opaque marker: still this layer's own
      file(t, "opaque/.wh..wh..opq", "", 0644);
    });
    Path root = dir.resolve("root");

    ImageTarball.read(image(List.of(first, second))).unpack(root, false);

    assertThat(root.resolve("etc/kept")).hasContent("first");
    assertThat(Files.getPosixFilePermissions(root.resolve("etc/kept"))).isEqualTo(
        PosixFilePermissions.fromString("rw-r-----"));
    assertThat(root.resolve("etc/replaced")).hasContent("second");
    assertThat(Files.getPosixFilePermissions(root.resolve("etc/replaced"))).isEqualTo(
        PosixFilePermissions.fromString("rw-------"));
    assertThat(root.resolve("etc/deleted")).doesNotExist();
    assertThat(root.resolve("etc/.wh.deleted")).doesNotExist();
    assertThat(root.resolve("opaque/old")).doesNotExist();
    assertThat(root.resolve("opaque/new")).hasContent("second");
    assertThat(Files.readSymbolicLink(root.resolve("link"))).isEqualTo(Path.of("etc/kept"));
    assertThat((int) Files.getAttribute(root.resolve("tmp"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777)
        .isEqualTo(01777);
  }

  @Test
  void anEntryOutsideTheFilesystemIsRefused() throws IOException {
    Path tarball = image(List.of(layer(t -> file(t, "../escaped", "x", 0644))));

    assertThatThrownBy(() -> ImageTarball.read(tarball).unpack(dir.resolve("root"), false))
        .hasMessageContaining("../escaped").hasMessageContaining("outside");
    assertThat(dir.resolve("escaped")).doesNotExist();
  }

  @FunctionalInterface
  interface Entries {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  private Path image(List<byte[]> layers) throws IOException {
    Path file = dir.resolve("image.tar");
    StringBuilder names = new StringBuilder();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(file))) {
      for (int i = 0; i < layers.size(); i++) {
        String name = "layer" + i + ".tar.gz";
        names.append(i == 0 ? "" : ",").append('"').append(name).append('"');
        put(tar, name, layers.get(i));
      }
      put(tar, "config.json", CONFIG.getBytes(StandardCharsets.UTF_8));
      put(tar, "manifest.json", ("[{\"Config\":\"config.json\",\"RepoTags\":[\"example:1\"],\"Layers\":[" + names
          + "]}]").getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  private static byte[] layer(Entries entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
      entries.write(tar);
    }
    return bytes.toByteArray();
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, String content, int mode) throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~0777 | mode);
    entry.setSize(bytes.length);
    tar.putArchiveEntry(entry);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  private static void directory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~07777 | mode);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static void symlink(TarArchiveOutputStream tar, String name, String target) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
    entry.setLinkName(target);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }
}
