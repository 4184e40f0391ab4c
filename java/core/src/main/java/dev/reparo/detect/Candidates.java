package dev.reparo.detect;

import java.util.Arrays;

/**
 * A growable struct-of-arrays of scored boxes in model-input pixels, as the head decoder produces
 * them and NMS consumes them; avoids one object per anchor on the hot path. Not thread-safe: one
 * per {@code detect} call.
 */
final class Candidates {
  float[] x1 = new float[64];
  float[] y1 = new float[64];
  float[] x2 = new float[64];
  float[] y2 = new float[64];
  float[] score = new float[64];
  int[] classId = new int[64];
  int size;

  void add(float bx1, float by1, float bx2, float by2, float s, int cls) {
    if (size == score.length) {
      int n = size * 2;
      x1 = Arrays.copyOf(x1, n);
      y1 = Arrays.copyOf(y1, n);
      x2 = Arrays.copyOf(x2, n);
      y2 = Arrays.copyOf(y2, n);
      score = Arrays.copyOf(score, n);
      classId = Arrays.copyOf(classId, n);
    }
    x1[size] = bx1;
    y1[size] = by1;
    x2[size] = bx2;
    y2[size] = by2;
    score[size] = s;
    classId[size] = cls;
    size++;
  }

  int size() {
    return size;
  }
}
