package io.ckpt.forensics.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * An image as {@code docker save} writes it (and Jib's buildTar, and so {@code docker load},
 * {@code ctr image import} and {@code skopeo copy docker-archive:} read it): manifest.json naming the
 * config and the layers in order.
 */
public final class ImageTarball {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private final Path file;
  private final JsonNode manifest;
  private final JsonNode config;

  private ImageTarball(Path file, JsonNode manifest, JsonNode config) {
    this.file = file;
    this.manifest = manifest;
    this.config = config;
  }

  public static ImageTarball read(Path file) throws IOException {
    try (TarFile tar = new TarFile(file)) {
      JsonNode manifest = JSON.readTree(bytes(tar, "manifest.json"));
      if (!manifest.isArray() || manifest.size() != 1) {
        throw new IOException(file + ": manifest.json should describe one image, not " + manifest);
      }
      JsonNode config = JSON.readTree(bytes(tar, manifest.get(0).path("Config").asText()));
      return new ImageTarball(file, manifest.get(0), config);
    }
  }

  /** The names the image is loaded under ({@code docker load}). */
  public List<String> repoTags() {
    return strings(manifest.path("RepoTags"));
  }

  /** The user the container runs as: "uid:gid" or "uid". */
  public String user() {
    return config.path("config").path("User").asText("");
  }

  public List<String> entrypoint() {
    return strings(config.path("config").path("Entrypoint"));
  }

  public List<String> cmd() {
    return strings(config.path("config").path("Cmd"));
  }

  /** NAME=value lines. */
  public List<String> env() {
    return strings(config.path("config").path("Env"));
  }

  public String workingDir() {
    String dir = config.path("config").path("WorkingDir").asText("");
    return dir.isEmpty() ? "/" : dir;
  }

  /**
   * Writes the container's filesystem into {@code root} as a runtime does: layers in order, a later
   * one's files over an earlier one's, whiteouts deleting, with permissions and links as the layers
   * say them, and their owners when {@code owners} (only root may give files away).
   */
  public void unpack(Path root, boolean owners) throws IOException {
    Files.createDirectories(root);
    try (TarFile tar = new TarFile(file)) {
      for (JsonNode layer : manifest.path("Layers")) {
        TarArchiveEntry entry = entry(tar, layer.asText());
        try (InputStream raw = tar.getInputStream(entry);
            InputStream in = layer.asText().endsWith(".tar") ? raw : new GZIPInputStream(raw, 1 << 16);
            TarArchiveInputStream layerTar = new TarArchiveInputStream(in)) {
          Set<Path> written = new HashSet<>(); // an opaque whiteout hides lower layers only, not its own
          for (TarArchiveEntry e = layerTar.getNextTarEntry(); e != null; e = layerTar.getNextTarEntry()) {
            apply(root, e, layerTar, owners, written);
          }
        }
      }
    }
  }

  private static void apply(Path root, TarArchiveEntry e, InputStream content, boolean owners, Set<Path> written)
      throws IOException {
    Path target = inside(root, e.getName());
    String name = target.getFileName() == null ? "" : target.getFileName().toString();
    if (name.equals(OPAQUE)) {
      try (Stream<Path> children = Files.list(target.getParent())) {
        for (Path child : children.filter(c -> !written.contains(c)).toList()) {
          deleteTree(child);
        }
      }
      return;
    }
    written.add(target);
    if (name.startsWith(WHITEOUT)) {
      deleteTree(target.resolveSibling(name.substring(WHITEOUT.length())));
      return;
    }
    Files.createDirectories(target.getParent());
    if (e.isDirectory()) {
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        deleteTree(target);
        Files.createDirectory(target);
      }
    } else {
      deleteTree(target);
      if (e.isSymbolicLink()) {
        Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        return; // a link has no mode or owner of its own worth setting here
      } else if (e.isLink()) {
        Files.createLink(target, inside(root, e.getLinkName()));
        return;
      } else if (e.isFile()) {
        Files.copy(content, target, StandardCopyOption.REPLACE_EXISTING);
      } else {
        throw new IOException("layer entry " + e.getName() + ": devices and fifos are not expected in this image");
      }
    }
    Files.setPosixFilePermissions(target, permissions(e.getMode()));
    if (owners) {
      Files.setAttribute(target, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(target, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
    }
    if ((e.getMode() & 07000) != 0) { // setuid, setgid, sticky (/tmp): beyond what PosixFilePermission says
      chmod(target, e.getMode());
    }
  }

  /** The entry's path under root; a name that climbs out of it is refused. */
  private static Path inside(Path root, String name) throws IOException {
    Path target = root.resolve(name.startsWith("/") ? name.substring(1) : name).normalize();
    if (!target.startsWith(root)) {
      throw new IOException("layer entry " + name + " points outside the filesystem");
    }
    return target;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high to low
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }

  private static void chmod(Path target, int mode) throws IOException {
    try {
      Process p = new ProcessBuilder("chmod", Integer.toOctalString(mode & 07777), target.toString()).inheritIO()
          .start();
      if (p.waitFor() != 0) {
        throw new IOException("chmod " + Integer.toOctalString(mode & 07777) + " " + target + " failed");
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", ie);
    }
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> children = Files.list(path)) {
        for (Path child : children.toList()) {
          deleteTree(child);
        }
      }
    }
    Files.delete(path);
  }

  private static TarArchiveEntry entry(TarFile tar, String name) throws IOException {
    return tar.getEntries().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new IOException("the image tarball has no " + name));
  }

  private static byte[] bytes(TarFile tar, String name) throws IOException {
    try (InputStream in = tar.getInputStream(entry(tar, name))) {
      return in.readAllBytes();
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> result = new ArrayList<>();
    array.forEach(n -> result.add(n.asText()));
    return result;
  }
}
