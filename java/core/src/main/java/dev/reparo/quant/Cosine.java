package dev.reparo.quant;

/** Cosine similarity of two outputs, the measure of how close int8 stays to FP32. Stateless; thread-safe. */
public final class Cosine {
  private Cosine() {}

  /** Cosine similarity of equal-length vectors, summed in double; 1 when both are zero, 0 when one is. */
  public static double similarity(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    if (na == 0 && nb == 0) {
      return 1;
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }
}
