package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;

/** Compares an ncnn output with its reference, ignoring the batch axis ncnn does not have. */
final class Outputs {
  private Outputs() {}

  /** The largest deviation over the reference's largest magnitude (same element count assumed). */
  static double relativeError(Tensor expected, Tensor actual) {
    double maxRef = 0;
    double maxErr = 0;
    for (int i = 0; i < expected.size(); i++) {
      maxRef = Math.max(maxRef, Math.abs(expected.data()[i]));
      maxErr = Math.max(maxErr, Math.abs((double) expected.data()[i] - actual.data()[i]));
    }
    return maxErr / maxRef;
  }

  /**
   * Asserts the same element count and a largest deviation of at most {@code rel} times the
   * reference's largest magnitude; returns that relative deviation.
   */
  static double assertClose(Tensor expected, Tensor actual, double rel, String what) {
    assertEquals(expected.size(), actual.size(), what + ": element count (shapes "
        + java.util.Arrays.toString(expected.shape()) + " vs " + java.util.Arrays.toString(actual.shape()) + ")");
    double maxRef = 0;
    double maxErr = 0;
    for (int i = 0; i < expected.size(); i++) {
      maxRef = Math.max(maxRef, Math.abs(expected.data()[i]));
      maxErr = Math.max(maxErr, Math.abs((double) expected.data()[i] - actual.data()[i]));
    }
    assertTrue(maxRef > 0, what + ": reference is all zeros: the test would prove nothing");
    double r = maxErr / maxRef;
    assertTrue(r <= rel, what + ": max error " + maxErr + " is " + r + " x max |ref| " + maxRef
        + ", above " + rel);
    return r;
  }
}
