package dev.reparo.quant;

import dev.reparo.InvalidInputException;

/**
 * How finely int8 weight scales follow the weights: one scale per output channel (per group for
 * depth-wise layers), or one for the whole tensor. ncnn's int8 layers always read one scale per
 * output channel ({@code weight_data_int8_scales}), so a per-tensor layer stores that one scale
 * repeated; the Q/DQ ONNX then uses a per-tensor instead of a per-axis {@code DequantizeLinear}.
 *
 * <p>Immutable and thread-safe.
 */
public enum WeightScaling {
  PER_CHANNEL,
  PER_TENSOR;

  /**
   * Symmetric scales ({@code qmax / max|w|}, 0 for zeros) for weights made of {@code channels}
   * contiguous blocks: one per block, all equal when per-tensor.
   *
   * @throws IllegalArgumentException if the channels do not divide the weights
   */
  public float[] scales(float[] w, int channels, int qmax) {
    float[] s = WeightQuantization.scales(w, channels, qmax);
    if (this == PER_TENSOR) {
      float[] one = WeightQuantization.scales(w, 1, qmax);
      java.util.Arrays.fill(s, one[0]);
    }
    return s;
  }

  /** Parses {@code per-channel} or {@code per-tensor}. */
  public static WeightScaling parse(String s) {
    for (WeightScaling w : values()) {
      if (w.cliName().equals(s)) {
        return w;
      }
    }
    throw new InvalidInputException("unknown weight scaling '" + s + "'; use per-channel or per-tensor");
  }

  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
