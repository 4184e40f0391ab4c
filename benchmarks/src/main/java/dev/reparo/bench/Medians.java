package dev.reparo.bench;

import java.util.Arrays;

/** The median the benchmarks report (upper middle for an even count). Stateless. */
final class Medians {
  private Medians() {}

  static double of(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
