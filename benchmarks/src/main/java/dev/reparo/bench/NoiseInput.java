package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParam;
import java.util.SplittableRandom;

/**
 * The input timed ncnn runs use: seeded uniform noise in [0, 1) of an Input layer's declared
 * (w, h, c), or 320x320x3 when it declares none. Stateless.
 */
final class NoiseInput {
  private NoiseInput() {}

  static Tensor of(NcnnParam.Layer input) {
    int w = input.intParam(0, 0);
    int h = input.intParam(1, 0);
    int c = input.intParam(2, 0);
    if (w <= 0 || h <= 0 || c <= 0) {
      w = 320;
      h = 320;
      c = 3;
    }
    float[] data = new float[c * h * w];
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextDouble();
    }
    return Tensor.of(data, 1, c, h, w);
  }
}
