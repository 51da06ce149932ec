package io.ckpt.forensics.archive;

import io.ckpt.forensics.lab.CheckpointArchive;
import io.ckpt.forensics.lab.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Test archives built at test time from src/test/resources/fixtures (byte-exact public files): the
 * aarch64 CRIU image set of trustedcr-aarch64-loop2 tarred with each config/spec pair. Written
 * under the build directory, never elsewhere.
 */
public final class FixtureArchives {

  /** Which metadata pair goes beside the images. */
  public enum Flavour {
    /** cr-operator-testdata: CRI-O nginx pod "podname" in "namespace", stats-dump of the loop2 dump. */
    CRIO_OPERATOR,
    /** checkpointctl list_config_spec.dump: CRI-O pod-name/default, with checkpointctl's own stats-dump. */
    CRIO_CHECKPOINTCTL,
    /** checkpointctl's minimal Podman spec with two mounts, config.dump {}, network.status. */
    PODMAN,
    /** a containerd-style spec (synthesised here: no public containerd spec.dump is in the fixtures). */
    CONTAINERD,
    /** just the CRIU images at the archive root. */
    BARE_IMAGES
  }

  private FixtureArchives() {}

  /** The fixtures directory on the test classpath (one lookup, shared with the lab's archive). */
  public static Path fixtures() {
    return CheckpointArchive.fixturesDir();
  }

  public static Path images() {
    return fixtures().resolve("trustedcr-aarch64-loop2/checkpoint");
  }

  /** A scratch directory under the build directory. */
  public static Path scratch(String name) {
    Path dir = Path.of(System.getProperty("build.directory", "target")).resolve("archive-tests").resolve(name);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** The members of an archive of the given flavour, in archive order. */
  public static Map<String, byte[]> members(Flavour flavour) {
    try {
      Map<String, byte[]> m = new LinkedHashMap<>();
      Path f = fixtures();
      Path ctl = f.resolve("checkpointctl-testdata/test");
      switch (flavour) {
        case CRIO_OPERATOR -> {
          m.put("config.dump", Files.readAllBytes(f.resolve("cr-operator-testdata/test/data/config.dump")));
          m.put("spec.dump", Files.readAllBytes(f.resolve("cr-operator-testdata/test/data/spec.dump")));
          m.put("stats-dump", Files.readAllBytes(images().resolve("stats-dump")));
        }
        case CRIO_CHECKPOINTCTL -> {
          m.put("config.dump", Files.readAllBytes(ctl.resolve("data/list_config_spec.dump/config.dump")));
          m.put("spec.dump", Files.readAllBytes(ctl.resolve("data/list_config_spec.dump/spec.dump")));
          m.put("stats-dump", Files.readAllBytes(ctl.resolve("stats-dump")));
        }
        case PODMAN -> {
          m.put("config.dump", Files.readAllBytes(ctl.resolve("data/config.dump")));
          m.put("spec.dump", Files.readAllBytes(ctl.resolve("data/spec.dump")));
          m.put("network.status", Files.readAllBytes(ctl.resolve("data/network.status")));
          m.put("stats-dump", Files.readAllBytes(images().resolve("stats-dump")));
        }
        case CONTAINERD -> {
          m.put("config.dump", Files.readAllBytes(f.resolve("cr-operator-testdata/test/data/config.dump")));
          m.put("spec.dump", ("{\"annotations\":{\"io.kubernetes.cri.container-name\":\"app\","
              + "\"io.kubernetes.cri.sandbox-name\":\"web-0\",\"io.kubernetes.cri.sandbox-namespace\":\"shop\"},"
              + "\"process\":{\"args\":[\"./loop2\"],\"env\":[\"PATH=/bin\",\"API_TOKEN=s3cr3t-value\"]},"
              + "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]}").getBytes());
          m.put("status", "{\"id\":\"x\"}".getBytes());
        }
        case BARE_IMAGES -> {
        }
      }
      String dir = flavour == Flavour.BARE_IMAGES ? "" : "checkpoint/";
      if (!dir.isEmpty()) {
        m.put(dir, new byte[0]);
      }
      List<Path> files;
      try (Stream<Path> list = Files.list(images())) {
        files = list.filter(p -> {
          String n = p.getFileName().toString();
          return n.endsWith(".img") || n.equals("stats-dump");
        }).sorted().toList();
      }
      for (Path p : files) {
        m.put(dir + p.getFileName(), Files.readAllBytes(p));
      }
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the archive of the given flavour (uncompressed) and returns its path. */
  public static Path write(Flavour flavour) {
    Path file = scratch("archives").resolve("checkpoint-" + flavour.name().toLowerCase() + ".tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      write(members(flavour), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /**
   * The archive of the given flavour with its pages images first, before the pagemaps that describe
   * them: not how the runtimes lay it out (they tar CRIU's directory in name order), so a one-pass
   * read cannot find what the pages hold.
   */
  public static byte[] pagesBeforePagemaps(Flavour flavour) {
    Map<String, byte[]> members = members(flavour);
    Map<String, byte[]> reordered = new LinkedHashMap<>();
    members.forEach((name, data) -> {
      if (name.contains("pages-")) {
        reordered.put(name, data);
      }
    });
    members.forEach(reordered::putIfAbsent);
    java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
    try {
      write(reordered, tar);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tar.toByteArray();
  }

  /** Tars the given members to a stream. */
  public static void write(Map<String, byte[]> members, OutputStream out) throws IOException {
    try (TarWriter tar = new TarWriter(new BufferedOutputStream(out, 64 * 1024))) {
      for (Map.Entry<String, byte[]> e : members.entrySet()) {
        if (e.getKey().endsWith("/")) {
          tar.directory(e.getKey(), 0700, 1706380245L);
        } else {
          tar.file(e.getKey(), 0600, 1706380245L, e.getValue());
        }
      }
    }
  }
}
