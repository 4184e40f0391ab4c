package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Scale math on distributions whose right answers are known. */
class ThresholdsTest {
  static ActivationHistogram histogram(float[] v) {
    float max = 0;
    for (float x : v) {
      max = Math.max(max, Math.abs(x));
    }
    ActivationHistogram h = new ActivationHistogram(max);
    h.add(v);
    return h;
  }

  static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  static float[] uniform(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return v;
  }

  @Test
  void uniformDataIsNotClippedByEntropyOrMinMax() {
    ActivationHistogram h = histogram(uniform(200_000, 1));
    assertTrue(Thresholds.kl(h) > 0.97 * h.range(), "KL on uniform: " + Thresholds.kl(h));
    assertEquals(h.range(), Thresholds.minMax(h), 0);
  }

  @Test
  void percentileOfUniformIsItsQuantile() {
    ActivationHistogram h = histogram(uniform(200_000, 2));
    double width = h.binWidth();
    assertEquals(0.5, Thresholds.percentile(h, 50), 2 * width + 0.005);
    assertEquals(0.99, Thresholds.percentile(h, 99), 2 * width + 0.002);
    assertEquals(h.range(), Thresholds.percentile(h, 100), 1e-6);
    assertThrows(IllegalArgumentException.class, () -> Thresholds.percentile(h, 0));
    assertThrows(IllegalArgumentException.class, () -> Thresholds.percentile(h, 100.5));
  }

  @Test
  void aciqClipsAGaussianNearItsOptimalFourSigma() {
    int n = 100_000;
    ActivationHistogram h = histogram(gaussian(n, 3));
    double t = Thresholds.aciq(h.range(), n);
    // ACIQ's 8-bit Gaussian optimum is 3.92 σ; the σ estimated from the range is within ~10%.
    assertTrue(t > 3.5 && t <= h.range(), "ACIQ threshold " + t + " for σ = 1, range " + h.range());
  }

  @Test
  void entropyClipsALongTailThatMinMaxKeeps() {
    float[] v = gaussian(200_000, 4);
    for (int i = 0; i < 20; i++) {
      v[i * 997] = 100f * (i % 2 == 0 ? 1 : -1); // a few huge outliers
    }
    ActivationHistogram h = histogram(v);
    assertEquals(100f, Thresholds.minMax(h), 0);
    double kl = Thresholds.kl(h);
    assertTrue(kl < 15, "KL threshold " + kl + " should ignore 20 outliers at 100σ");
    assertTrue(kl > 2, "KL threshold " + kl + " must keep the Gaussian body");
    assertTrue(Thresholds.percentile(h, 99.99) < 6, "99.99th percentile of |N(0,1)| is about 3.9");
  }

  @Test
  void gaussianEntropyThresholdKeepsTheBodyAndClipsTheExtremes() {
    ActivationHistogram h = histogram(gaussian(500_000, 5));
    double kl = Thresholds.kl(h);
    assertTrue(kl > 2.5 && kl < h.range(), "KL threshold " + kl + " of N(0,1) with range " + h.range());
  }

  @Test
  void allZeroBlobGetsAUsableScale() {
    ActivationHistogram h = histogram(new float[1000]);
    assertEquals(0, h.total());
    assertEquals(0, Thresholds.kl(h));
    assertEquals(0, Thresholds.percentile(h, 99.99));
    assertEquals(0, Thresholds.aciq(0, 1000));
    assertEquals(1f, Thresholds.scale(0), 0);
  }

  @Test
  void singleValueTensorKeepsItsValue() {
    float[] v = new float[5000];
    java.util.Arrays.fill(v, -2.5f);
    ActivationHistogram h = histogram(v);
    assertEquals(2.5, Thresholds.kl(h), 1e-6);
    assertEquals(2.5, Thresholds.percentile(h, 99.99), 1e-6);
    // and the value quantizes to the full int8 range
    assertEquals(-127, WeightQuantization.toInt8(-2.5f * Thresholds.scale(Thresholds.kl(h))));
  }

  @Test
  void histogramsMergeToTheSameCountsInAnyOrder() {
    float[] a = gaussian(10_000, 6);
    float[] b = gaussian(10_000, 7);
    ActivationHistogram ab = new ActivationHistogram(6f);
    ab.add(a);
    ActivationHistogram hb = new ActivationHistogram(6f);
    hb.add(b);
    ab.merge(hb);
    ActivationHistogram ba = new ActivationHistogram(6f);
    ba.add(b);
    ActivationHistogram ha = new ActivationHistogram(6f);
    ha.add(a);
    ba.merge(ha);
    assertTrue(java.util.Arrays.equals(ab.counts(), ba.counts()));
    assertEquals(20_000, ab.total());
    assertThrows(IllegalArgumentException.class, () -> ab.merge(new ActivationHistogram(5f)));
  }
}
