package io.ckpt.forensics.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Supplier;

/**
 * The bearer token the direct transport shows the kubelet. In a pod: the projected service-account
 * token file, which the kubelet rewrites before the token expires, so it is read again whenever the
 * file changes (checked on every call; a stat is cheap next to a checkpoint). Outside a cluster: the
 * client configuration's token. The token itself is never logged or put into a message.
 */
public final class BearerToken implements KubeletCredential {

  private final Path file;
  private final Supplier<String> fallback;
  private FileTime readModified;
  private long readSize = -1;
  private String cached;

  /**
   * @param file the token file; when it does not exist, {@code fallback} supplies the token
   * @param fallback the client configuration's token (may return null)
   */
  public BearerToken(Path file, Supplier<String> fallback) {
    this.file = file;
    this.fallback = fallback;
  }

  /** The current token, or null when there is none. */
  @Override
  public synchronized String current() {
    if (file != null && Files.isRegularFile(file)) {
      try {
        FileTime modified = Files.getLastModifiedTime(file);
        long size = Files.size(file);
        if (cached == null || !modified.equals(readModified) || size != readSize) {
          cached = Files.readString(file, StandardCharsets.UTF_8).strip();
          readModified = modified;
          readSize = size;
        }
        return cached.isEmpty() ? null : cached;
      } catch (IOException e) {
        // the kubelet swaps the projected volume's files atomically; a failed read means no token now
        return null;
      }
    }
    String token = fallback == null ? null : fallback.get();
    return token == null || token.isBlank() ? null : token.strip();
  }

  /** Drops the cached token, so the next call reads the file even if its time stamp did not change. */
  @Override
  public synchronized void invalidate() {
    cached = null;
  }

  /** Where the token comes from, for messages: never the token. */
  @Override
  public String source() {
    if (file != null && Files.isRegularFile(file)) {
      return "the service-account token file " + file;
    }
    return "the client configuration's token (no token file at " + file + ")";
  }
}
