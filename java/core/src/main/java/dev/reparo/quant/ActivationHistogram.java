package dev.reparo.quant;

import java.util.Arrays;

/**
 * A histogram of |x| over {@code [0, range]} in {@value #BINS} equal bins, the statistic the
 * entropy calibrators of ncnn and TensorRT collect in their second pass (the first finds the
 * range). Exact zeros are not counted (ncnn's convention: ReLU-style zeros would swamp the first
 * bin and say nothing about the threshold); values above the range go into the last bin.
 *
 * <p>Not thread-safe: one histogram per thread, {@linkplain #merge merged} at the end; counts are
 * integers, so the merged result does not depend on the order.
 */
public final class ActivationHistogram {
  public static final int BINS = 2048;

  private final float range;
  private final long[] counts = new long[BINS];

  /** @param range the largest |x| of the calibration set (from the first pass), 0 if all are 0 */
  public ActivationHistogram(float range) {
    if (!(range >= 0) || !Float.isFinite(range)) {
      throw new IllegalArgumentException("histogram range must be finite and >= 0, got " + range);
    }
    this.range = range;
  }

  public float range() {
    return range;
  }

  /** Width of one bin in the units of x; 0 for an all-zero blob. */
  public double binWidth() {
    return (double) range / BINS;
  }

  public void add(float[] values) {
    add(values, 0, values.length);
  }

  public void add(float[] values, int from, int to) {
    if (range == 0) {
      return; // every value is 0 when the first pass found no non-zero one
    }
    double perUnit = BINS / (double) range;
    for (int i = from; i < to; i++) {
      float v = Math.abs(values[i]);
      if (v == 0 || Float.isNaN(v)) {
        continue;
      }
      int bin = (int) Math.min(v * perUnit, BINS - 1);
      counts[bin]++;
    }
  }

  /** Adds another histogram of the same range. */
  public void merge(ActivationHistogram other) {
    if (other.range != range) {
      throw new IllegalArgumentException("cannot merge histograms of ranges " + range + " and " + other.range);
    }
    for (int i = 0; i < BINS; i++) {
      counts[i] += other.counts[i];
    }
  }

  /** A copy of the bin counts. */
  public long[] counts() {
    return counts.clone();
  }

  /** Number of non-zero values counted. */
  public long total() {
    return Arrays.stream(counts).sum();
  }
}
