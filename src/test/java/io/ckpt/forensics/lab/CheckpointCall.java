package io.ckpt.forensics.lab;

import java.time.Instant;
import java.util.List;

/**
 * One request a simulated kubelet received on /checkpoint (kept for assertions). {@code user} is empty
 * when unauthenticated; {@code status} is 0 when no complete HTTP answer was given (hang, reset, slow
 * drip), and {@code body} then names the fault; a huge body is kept only in part.
 */
public record CheckpointCall(Instant start, Instant end, String method, String target, String user,
    List<String> groups, int status, String body, String archivePath) {

  public long durationMillis() {
    return end.toEpochMilli() - start.toEpochMilli();
  }
}
