package dev.reparo.detect;

/** Sigmoid and its inverse, for comparing raw logits against a probability threshold. */
final class Logits {
  private Logits() {}

  /** logit(p) = ln(p / (1 − p)); −∞ for p ≤ 0 so that every value passes, +∞ for p ≥ 1. */
  static float logit(float p) {
    if (p <= 0f) {
      return Float.NEGATIVE_INFINITY;
    }
    if (p >= 1f) {
      return Float.POSITIVE_INFINITY;
    }
    return (float) Math.log(p / (1.0 - p));
  }

  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }
}
