package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WeightQuantizationTest {
  @Test
  void scalesArePerChannelAndZeroChannelsGetZero() {
    float[] w = {0.5f, -1f, 0.25f, 0, 0, 0, 2f, 1f, -0.5f};
    float[] s = WeightQuantization.scales(w, 3, 127);
    assertArrayEquals(new float[] {127f, 0f, 63.5f}, s);
    byte[] q = WeightQuantization.quantize(w, s);
    assertArrayEquals(new byte[] {64, -127, 32, 0, 0, 0, 127, 64, -32}, q); // 63.5 and 31.75 round away from 0
    assertThrows(IllegalArgumentException.class, () -> WeightQuantization.scales(w, 2, 127));
  }

  @Test
  void roundsHalfAwayFromZeroAndClamps() {
    assertEquals(3, WeightQuantization.toInt8(2.5f));
    assertEquals(-3, WeightQuantization.toInt8(-2.5f));
    assertEquals(2, WeightQuantization.toInt8(2.49f));
    assertEquals(127, WeightQuantization.toInt8(300f));
    assertEquals(-127, WeightQuantization.toInt8(-128f));
  }

  @Test
  void sixBitScalesKeepWeightsWithin31() {
    float[] w = {0.1f, -0.4f, 0.3f, 0.2f};
    byte[] q = WeightQuantization.quantize(w, WeightQuantization.scales(w, 1, 31));
    assertArrayEquals(new byte[] {8, -31, 23, 16}, q);
  }
}
