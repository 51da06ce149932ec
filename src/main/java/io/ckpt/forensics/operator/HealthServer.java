package io.ckpt.forensics.operator;

import io.ckpt.forensics.operator.BoundedHttpServer.Answer;
import io.ckpt.forensics.operator.BoundedHttpServer.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Serves /healthz (the process works) and /readyz (informers synced and healthy) for the kubelet's
 * probes, and /metrics (Prometheus text format) for scrapers, on a server that stalled clients cannot
 * block ({@link BoundedHttpServer}).
 */
final class HealthServer implements AutoCloseable {

  private final BoundedHttpServer server;

  HealthServer(int port, BooleanSupplier alive, BooleanSupplier ready, Supplier<String> metrics) throws IOException {
    this(port, Limits.DEFAULT, alive, ready, metrics);
  }

  HealthServer(int port, Limits limits, BooleanSupplier alive, BooleanSupplier ready, Supplier<String> metrics)
      throws IOException {
    server = new BoundedHttpServer("health", port, limits, Map.of(
        "/healthz", () -> probe(alive.getAsBoolean()),
        "/readyz", () -> probe(ready.getAsBoolean()),
        "/metrics", () -> new Answer(200, "text/plain; version=0.0.4; charset=utf-8",
            metrics.get().getBytes(StandardCharsets.UTF_8))));
  }

  int port() {
    return server.port();
  }

  private static Answer probe(boolean ok) {
    return ok ? Answer.text(200, "ok\n") : Answer.text(503, "not ready\n");
  }

  @Override
  public void close() {
    server.close();
  }
}
