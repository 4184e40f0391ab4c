package dev.reparo.quant;

/**
 * Symmetric per-channel int8 quantization of weights: each output channel (or group) is a
 * contiguous block, scaled by {@code qmax / max|w|} of its block and rounded half away from zero
 * (C's {@code round}, as ncnn's {@code quantize_to_int8}), then clamped to ±qmax.
 *
 * <p>Stateless and thread-safe.
 */
public final class WeightQuantization {
  private WeightQuantization() {}

  /**
   * One scale per block of {@code w.length / blocks} values; 0 for a block of zeros (ncnn then
   * computes the bias alone for that channel, and the block quantizes to zeros).
   *
   * @throws IllegalArgumentException if the blocks do not divide the weights
   */
  public static float[] scales(float[] w, int blocks, int qmax) {
    if (blocks <= 0 || w.length % blocks != 0) {
      throw new IllegalArgumentException(w.length + " weights do not split into " + blocks + " channels");
    }
    int per = w.length / blocks;
    float[] s = new float[blocks];
    for (int b = 0; b < blocks; b++) {
      float max = 0;
      for (int k = b * per; k < (b + 1) * per; k++) {
        max = Math.max(max, Math.abs(w[k]));
      }
      s[b] = max == 0 ? 0 : qmax / max;
    }
    return s;
  }

  /** Quantizes {@code w} block by block with {@code scales} (one per block). */
  public static byte[] quantize(float[] w, float[] scales) {
    int blocks = scales.length;
    if (blocks == 0 || w.length % blocks != 0) {
      throw new IllegalArgumentException(w.length + " weights do not split into " + blocks + " channels");
    }
    int per = w.length / blocks;
    byte[] q = new byte[w.length];
    for (int b = 0; b < blocks; b++) {
      for (int k = b * per; k < (b + 1) * per; k++) {
        q[k] = toInt8(w[k] * scales[b]);
      }
    }
    return q;
  }

  /** round-half-away-from-zero, clamped to ±127. */
  public static byte toInt8(float v) {
    double r = Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5);
    return (byte) Math.max(-Thresholds.QMAX, Math.min(Thresholds.QMAX, r));
  }
}
