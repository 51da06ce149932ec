package io.ckpt.forensics.operator;

import java.util.function.LongSupplier;

/** A token bucket: {@code perSecond} requests a second on average, bursts up to {@code burst}. */
final class RequestRate {

  private final double perNano;
  private final long burst;
  private final LongSupplier nanos;
  private double tokens;
  private long last;

  RequestRate(int perSecond, long burst, LongSupplier nanos) {
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.nanos = nanos;
    this.tokens = burst;
    this.last = nanos.getAsLong();
  }

  synchronized boolean take() {
    long now = nanos.getAsLong();
    tokens = Math.min(burst, tokens + (now - last) * perNano);
    last = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }
}
