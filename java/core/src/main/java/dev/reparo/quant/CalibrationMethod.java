package dev.reparo.quant;

import dev.reparo.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;

/** How activation thresholds are chosen; see {@link Thresholds}. Thread-safe. */
public enum CalibrationMethod {
  /** Entropy (KL-divergence) calibration, TensorRT's and ncnn's default. */
  KL,
  /** Analytical clipping assuming a Gaussian. */
  ACIQ,
  /** Per-layer search: the threshold whose int8 layer output is closest (cosine) to the FP32 one. */
  EQ,
  /** The largest |x| seen: no clipping. */
  MINMAX,
  /** A percentile of |x| (99.99 by default). */
  PERCENTILE,
  /**
   * Per layer, whichever of the other methods' thresholds keeps the whole model's outputs closest
   * (cosine) to FP32 on calibration images: a measured choice, not a fixed rule.
   */
  AUTO;

  /** The name used on the command line, e.g. {@code kl}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws InvalidInputException naming the accepted values */
  public static CalibrationMethod parse(String s) {
    for (CalibrationMethod m : values()) {
      if (m.cliName().equalsIgnoreCase(s.strip())) {
        return m;
      }
    }
    throw new InvalidInputException("unknown calibration method '" + s + "'; use one of "
        + Arrays.stream(values()).map(CalibrationMethod::cliName).toList());
  }
}
