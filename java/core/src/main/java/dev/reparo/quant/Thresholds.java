package dev.reparo.quant;

/**
 * Clipping thresholds for symmetric int8 quantization of an activation: values are mapped to
 * {@code round(x · 127 / T)} clamped to ±127, so {@code T} trades range (a larger T clips less)
 * against resolution (a smaller T has finer steps). Each method computes T from the statistics
 * one calibration collects: the largest |x| and the {@link ActivationHistogram} of |x|.
 *
 * <p>Stateless and thread-safe.
 */
public final class Thresholds {
  /** Number of quantization levels on one side of zero. */
  public static final int LEVELS = 128;
  /** Largest int8 magnitude used (ncnn and TensorRT leave -128 out, keeping the range symmetric). */
  public static final int QMAX = 127;

  /** ACIQ's optimal clip for a Gaussian, in standard deviations, per bit width (index = bits - 1). */
  private static final double[] ACIQ_GAUSSIAN_ALPHA = {0, 1.71063519, 2.15159277, 2.55913646, 2.93620062,
      3.28691474, 3.6151146, 3.92403714};

  private Thresholds() {}

  /** The ncnn/TensorRT scale for a threshold: {@code 127 / T}; 1 for an all-zero blob (any scale is exact). */
  public static float scale(double threshold) {
    return threshold > 0 ? (float) (QMAX / threshold) : 1f;
  }

  /** Min-max: no clipping at all. */
  public static double minMax(ActivationHistogram h) {
    return h.range();
  }

  /**
   * The upper edge of the first bin at which the fraction {@code percentile/100} of the non-zero
   * |x| is reached.
   *
   * @param percentile in (0, 100]
   */
  public static double percentile(ActivationHistogram h, double percentile) {
    if (!(percentile > 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100], got " + percentile);
    }
    long[] c = h.counts();
    long total = h.total();
    if (total == 0) {
      return 0;
    }
    double want = total * percentile / 100.0;
    long seen = 0;
    for (int i = 0; i < c.length; i++) {
      seen += c[i];
      if (seen >= want) {
        return Math.min(h.range(), (i + 1) * h.binWidth());
      }
    }
    return h.range();
  }

  /**
   * ACIQ (Banner et al.): assume a Gaussian, estimate its standard deviation from the range and
   * the sample count (the expected maximum of {@code n} Gaussian samples grows as {@code
   * sqrt(2 ln n)}), and clip at the distance that minimises the expected 8-bit quantization error
   * of a Gaussian (3.92 σ). The constant relating range and σ is the one ncnn's table tool uses.
   * Never above the range.
   *
   * @param count number of values seen (zeros included)
   */
  public static double aciq(float range, long count) {
    if (range == 0 || count < 2) {
      return range;
    }
    double gaussianConst = (0.5 * 0.35) * (1 + Math.sqrt(Math.PI * Math.log(4)));
    double std = (range * 2 * gaussianConst) / Math.sqrt(2 * Math.log(count));
    return Math.min(range, ACIQ_GAUSSIAN_ALPHA[7] * std);
  }

  /**
   * Entropy calibration (TensorRT's, as in ncnn's table tool): for every candidate threshold of
   * 128 to 2048 bins, fold the histogram beyond it into its last bin (P), quantize the bins below
   * it to 128 levels and expand them back, spreading each level evenly over the bins that held
   * values (Q), and keep the threshold whose Q loses the least information: min KL(P ‖ Q). The
   * threshold is the middle of the chosen last bin, as ncnn computes it.
   */
  public static double kl(ActivationHistogram h) {
    long[] c = h.counts();
    int bins = c.length;
    long total = h.total();
    if (total == 0) {
      return 0;
    }
    long[] tail = new long[bins + 1]; // tail[i] = sum of c[i..]
    for (int i = bins - 1; i >= 0; i--) {
      tail[i] = tail[i + 1] + c[i];
    }
    double bestKl = Double.POSITIVE_INFINITY;
    int best = bins;
    double[] p = new double[bins];
    double[] q = new double[bins];
    for (int i = LEVELS; i <= bins; i++) {
      for (int k = 0; k < i; k++) {
        p[k] = c[k];
      }
      p[i - 1] += tail[i];
      boolean anyQ = false;
      for (int level = 0; level < LEVELS; level++) {
        int start = (int) ((long) level * i / LEVELS);
        int end = level == LEVELS - 1 ? i : (int) ((long) (level + 1) * i / LEVELS);
        long sum = 0;
        int nonZero = 0;
        for (int k = start; k < end; k++) {
          sum += c[k];
          if (c[k] != 0) {
            nonZero++;
          }
        }
        double each = nonZero == 0 ? 0 : (double) sum / nonZero;
        for (int k = start; k < end; k++) {
          q[k] = c[k] != 0 ? each : 0;
        }
        anyQ |= sum != 0;
      }
      if (!anyQ) {
        continue; // every value lies beyond this threshold: Q is empty, KL infinite
      }
      double d = divergence(p, q, i);
      if (d < bestKl) {
        bestKl = d;
        best = i;
      }
    }
    return Math.min(h.range(), (best + 0.5) * h.binWidth());
  }

  /**
   * KL(P ‖ Q) over the first {@code n} entries after normalising both and smoothing away zeros
   * (each zero entry gets 1e-4, taken evenly from the non-zero ones), as MXNet and TensorRT do.
   */
  static double divergence(double[] p, double[] q, int n) {
    double[] ps = smooth(p, n);
    double[] qs = smooth(q, n);
    double d = 0;
    for (int k = 0; k < n; k++) {
      if (ps[k] > 0) {
        d += ps[k] * Math.log(ps[k] / qs[k]);
      }
    }
    return d;
  }

  private static double[] smooth(double[] v, int n) {
    double sum = 0;
    int zeros = 0;
    for (int k = 0; k < n; k++) {
      sum += v[k];
      if (v[k] == 0) {
        zeros++;
      }
    }
    double eps = 1e-4;
    double taken = zeros == n ? 0 : eps * zeros / (n - zeros);
    double[] out = new double[n];
    for (int k = 0; k < n; k++) {
      out[k] = v[k] == 0 ? eps : Math.max(v[k] / sum - taken, 1e-12);
    }
    return out;
  }
}
