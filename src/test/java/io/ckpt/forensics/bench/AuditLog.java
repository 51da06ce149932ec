package io.ckpt.forensics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API server's audit log, read from a mark on: the requests each user made, so that a row of the
 * table counts exactly what one client sent (the API server's request metric has no user label). The
 * policy logs every request at Metadata level once, when its response is complete; the API server
 * writes each line before it counts the request done ("blocking" mode), so a read sees every
 * request that ended before it.
 */
final class AuditLog {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Larger than any bench run writes, so the file is never rotated under a reader's offset. */
  private static final int MAX_MEGABYTES = 4096;

  private final Path file;
  private long offset;
  private final Map<String, Map<String, Double>> byUser = new TreeMap<>();

  private AuditLog(Path file, long offset) {
    this.file = file;
    this.offset = offset;
  }

  /**
   * Writes the audit policy into {@code dir} and returns the kube-apiserver flags that make it log to
   * {@code dir/audit.log}.
   */
  static List<String> apiServerArgs(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path policy = dir.resolve("audit-policy.yaml");
    Files.writeString(policy, """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived", "ResponseStarted"]
        rules:
        - level: Metadata
        """);
    Path log = dir.resolve("audit.log");
    Files.deleteIfExists(log);
    return List.of("--audit-policy-file=" + policy.toAbsolutePath(), "--audit-log-path=" + log.toAbsolutePath(),
        "--audit-log-maxsize=" + MAX_MEGABYTES, "--audit-log-mode=blocking");
  }

  /** A reader of {@code dir/audit.log} that counts only requests logged after this call. */
  static AuditLog markNow(Path dir) throws IOException {
    Path log = dir.resolve("audit.log");
    return new AuditLog(log, Files.exists(log) ? Files.size(log) : 0);
  }

  /** Reads the lines written since the last read; returns how many requests they held. */
  synchronized int readNew() {
    if (!Files.exists(file)) {
      return 0;
    }
    byte[] chunk;
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long end = in.length();
      if (end < offset) {
        throw new IllegalStateException("audit log " + file + " shrank (rotated?): raise --audit-log-maxsize");
      }
      chunk = new byte[(int) Math.min(end - offset, Integer.MAX_VALUE - 8)];
      in.seek(offset);
      in.readFully(chunk);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int complete = lastNewline(chunk) + 1; // a line still being written is read next time
    offset += complete;
    int requests = 0;
    for (String line : new String(chunk, 0, complete, StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        count(line);
        requests++;
      }
    }
    return requests;
  }

  /** Requests by user (username) and kind ("create events", "patch forensiccheckpoints/status"), all read so far. */
  synchronized Map<String, ApiRequestCounts> byUser() {
    Map<String, ApiRequestCounts> copy = new TreeMap<>();
    byUser.forEach((user, kinds) -> copy.put(user, new ApiRequestCounts(new TreeMap<>(kinds))));
    return copy;
  }

  private void count(String line) {
    JsonNode event;
    try {
      event = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalStateException("audit log " + file + " holds a line that is not JSON: " + line, e);
    }
    String user = event.path("user").path("username").asText("?");
    byUser.computeIfAbsent(user, u -> new TreeMap<>()).merge(kind(event), 1.0, Double::sum);
  }

  /** "verb resource[/subresource]" as the audit log names them, or "verb /path" for a non-resource URL. */
  static String kind(JsonNode event) {
    String verb = event.path("verb").asText("?");
    JsonNode ref = event.path("objectRef");
    if (ref.isMissingNode()) {
      String uri = event.path("requestURI").asText("?");
      int query = uri.indexOf('?');
      return verb + " " + (query < 0 ? uri : uri.substring(0, query));
    }
    String subresource = ref.path("subresource").asText("");
    return verb + " " + ref.path("resource").asText("?") + (subresource.isEmpty() ? "" : "/" + subresource);
  }

  private static int lastNewline(byte[] chunk) {
    for (int i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
