package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import java.util.Random;

/** Direct float64 computations of the layers under test: the oracle ncnn is checked against. */
final class Reference {
  private Reference() {}

  /**
   * Grouped 2-D convolution of x [C, H, W] with w [O, C/groups, K, K], bias [O], symmetric
   * zero padding; returns [O, H', W'] in double precision.
   */
  static double[][][] conv(Tensor x, float[] w, float[] bias, int out, int k, int stride, int pad, int groups) {
    int c = x.dim(0);
    int h = x.dim(1);
    int wd = x.dim(2);
    int oh = (h + 2 * pad - k) / stride + 1;
    int ow = (wd + 2 * pad - k) / stride + 1;
    int cin = c / groups;
    int coutPerGroup = out / groups;
    double[][][] y = new double[out][oh][ow];
    for (int o = 0; o < out; o++) {
      int g = o / coutPerGroup;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          double sum = bias == null ? 0 : bias[o];
          for (int ci = 0; ci < cin; ci++) {
            int ch = g * cin + ci;
            for (int ki = 0; ki < k; ki++) {
              for (int kj = 0; kj < k; kj++) {
                int yi = i * stride - pad + ki;
                int xj = j * stride - pad + kj;
                if (yi < 0 || yi >= h || xj < 0 || xj >= wd) {
                  continue;
                }
                sum += (double) w[((o * cin + ci) * k + ki) * k + kj] * x.data()[(ch * h + yi) * wd + xj];
              }
            }
          }
          y[o][i][j] = sum;
        }
      }
    }
    return y;
  }

  static float[] random(Random rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return v;
  }

  /**
   * Asserts that {@code actual} has the expected shape and that its largest deviation from the
   * float64 reference is at most {@code rel} times the reference's largest magnitude.
   */
  static void assertClose(double[][][] expected, Tensor actual, double rel) {
    assertArrayEquals(new int[] {expected.length, expected[0].length, expected[0][0].length}, actual.shape());
    double maxRef = 0;
    double maxErr = 0;
    int i = 0;
    for (double[][] plane : expected) {
      for (double[] row : plane) {
        for (double v : row) {
          maxRef = Math.max(maxRef, Math.abs(v));
          maxErr = Math.max(maxErr, Math.abs(v - actual.data()[i++]));
        }
      }
    }
    assertTrue(maxRef > 0, "reference is all zeros: the test would prove nothing");
    assertTrue(maxErr <= rel * maxRef, "max error " + maxErr + " exceeds " + rel + " x max |ref| " + maxRef);
  }
}
