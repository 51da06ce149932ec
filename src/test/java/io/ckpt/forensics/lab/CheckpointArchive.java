package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A realistic container checkpoint archive, built from the test fixtures (byte-exact copies of
 * public files, see src/test/resources/fixtures/README.md):
 * <pre>
 * config.dump              cr-operator-testdata/test/data/config.dump   (CRI-O style)
 * spec.dump                cr-operator-testdata/test/data/spec.dump
 * stats-dump               trustedcr-aarch64-loop2/checkpoint/stats-dump (CRIU dump statistics)
 * checkpoint/              the CRIU images of trustedcr-aarch64-loop2 (*.img + stats-dump)
 * </pre>
 * There is no rootfs-diff.tar, dump.log or descriptors.json (no permissively licensed originals).
 */
public final class CheckpointArchive {

  /** Member names in archive order. */
  public static List<String> memberNames() {
    return contents().keySet().stream().toList();
  }

  private static volatile Map<String, byte[]> contents;

  private CheckpointArchive() {}

  /**
   * The fixtures directory on the test classpath (src/test/resources/fixtures, copied to
   * target/test-classes by Maven); system property {@code fixtures.dir} overrides.
   */
  public static Path fixturesDir() {
    String configured = System.getProperty("fixtures.dir");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    // SHA256SUMS sits at the fixtures' root; its directory is listed to find the CRIU images
    URL marker = CheckpointArchive.class.getResource("/fixtures/SHA256SUMS");
    if (marker == null || !"file".equals(marker.getProtocol())) {
      throw new IllegalStateException("fixtures/SHA256SUMS is not on the test classpath as a file (found "
          + marker + "): run ./mvnw test-compile, or set -Dfixtures.dir");
    }
    try {
      return Path.of(marker.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot turn " + marker + " into a path", e);
    }
  }

  /** name -> bytes; directories end with '/' and map to an empty array. */
  static Map<String, byte[]> contents() {
    Map<String, byte[]> c = contents;
    if (c == null) {
      synchronized (CheckpointArchive.class) {
        c = contents;
        if (c == null) {
          c = load(fixturesDir());
          contents = c;
        }
      }
    }
    return c;
  }

  private static Map<String, byte[]> load(Path fixtures) {
    try {
      Map<String, byte[]> m = new LinkedHashMap<>();
      Path crOperator = fixtures.resolve("cr-operator-testdata/test/data");
      Path images = fixtures.resolve("trustedcr-aarch64-loop2/checkpoint");
      m.put("config.dump", Files.readAllBytes(crOperator.resolve("config.dump")));
      m.put("spec.dump", Files.readAllBytes(crOperator.resolve("spec.dump")));
      m.put("stats-dump", Files.readAllBytes(images.resolve("stats-dump")));
      m.put("checkpoint/", new byte[0]);
      List<Path> files = new ArrayList<>();
      try (Stream<Path> list = Files.list(images)) {
        list.filter(p -> {
          String n = p.getFileName().toString();
          return n.endsWith(".img") || n.equals("stats-dump");
        }).forEach(files::add);
      }
      Collections.sort(files);
      for (Path f : files) {
        m.put("checkpoint/" + f.getFileName(), Files.readAllBytes(f));
      }
      return Collections.unmodifiableMap(m);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoint fixtures under " + fixtures
          + " (run ./mvnw test-compile, or set -Dfixtures.dir)", e);
    }
  }

  /**
   * Writes the archive like the runtimes do: the file is opened for writing WITHOUT truncation (CRI-O and
   * containerd both do that), mode 0600.
   */
  static void write(Path file) {
    long now = System.currentTimeMillis() / 1000;
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          OutputStream raw = Channels.newOutputStream(channel);
          TarWriter tar = new TarWriter(new java.io.BufferedOutputStream(raw, 64 * 1024))) {
        for (Map.Entry<String, byte[]> e : contents().entrySet()) {
          if (e.getKey().endsWith("/")) {
            tar.directory(e.getKey(), 0700, now);
          } else {
            tar.file(e.getKey(), 0600, now, e.getValue());
          }
        }
      }
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint archive " + file, e);
    }
  }

  /** The member names of a tar file (for assertions), read with the same minimal ustar rules. */
  public static List<String> list(Path tarFile) {
    try {
      byte[] data = Files.readAllBytes(tarFile);
      List<String> names = new ArrayList<>();
      int pos = 0;
      while (pos + 512 <= data.length) {
        boolean zero = true;
        for (int i = pos; i < pos + 512; i++) {
          if (data[i] != 0) {
            zero = false;
            break;
          }
        }
        if (zero) {
          break;
        }
        String name = cstring(data, pos, 100);
        String prefix = cstring(data, pos + 345, 155);
        long size = Long.parseLong(cstring(data, pos + 124, 12).trim(), 8);
        names.add(prefix.isEmpty() ? name : prefix + "/" + name);
        pos += 512 + (int) ((size + 511) / 512 * 512);
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String cstring(byte[] data, int off, int len) {
    int end = off;
    while (end < off + len && data[end] != 0) {
      end++;
    }
    return new String(data, off, end - off, java.nio.charset.StandardCharsets.UTF_8);
  }
}
