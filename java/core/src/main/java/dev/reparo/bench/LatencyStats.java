package dev.reparo.bench;

import java.util.Arrays;

/**
 * Latency percentiles of a series of timed runs, in milliseconds, by the nearest-rank method
 * (p-th percentile = the smallest sample with at least p% of samples at or below it). Immutable
 * and thread-safe.
 */
public record LatencyStats(int runs, double minMs, double p50Ms, double p90Ms, double p99Ms, double meanMs) {
  /** Statistics of {@code nanos} (one duration per run; not modified). */
  public static LatencyStats of(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no runs to summarise");
    }
    long[] s = nanos.clone();
    Arrays.sort(s);
    double sum = 0;
    for (long v : s) {
      sum += v;
    }
    return new LatencyStats(s.length, s[0] / 1e6, rank(s, 50) / 1e6, rank(s, 90) / 1e6, rank(s, 99) / 1e6,
        sum / s.length / 1e6);
  }

  private static long rank(long[] sorted, int percent) {
    int r = (int) Math.ceil(percent / 100.0 * sorted.length);
    return sorted[Math.max(r, 1) - 1];
  }

  /** Single-stream throughput implied by the mean latency. */
  public double imagesPerSecond() {
    return 1000.0 / meanMs;
  }
}
