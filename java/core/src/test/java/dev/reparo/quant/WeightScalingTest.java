package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import org.junit.jupiter.api.Test;

class WeightScalingTest {
  static final float[] W = {0.5f, -1f, 0.25f, 0, 0, 0, 2f, 1f, -0.5f};

  @Test
  void perChannelScalesEachChannelAndPerTensorRepeatsTheTensorScale() {
    assertArrayEquals(new float[] {127f, 0f, 63.5f}, WeightScaling.PER_CHANNEL.scales(W, 3, 127));
    // max |w| over the tensor is 2: every channel, the zero one included, gets 127 / 2
    assertArrayEquals(new float[] {63.5f, 63.5f, 63.5f}, WeightScaling.PER_TENSOR.scales(W, 3, 127));
    assertArrayEquals(new float[] {15.5f, 15.5f, 15.5f}, WeightScaling.PER_TENSOR.scales(W, 3, 31));
    byte[] q = WeightQuantization.quantize(W, WeightScaling.PER_TENSOR.scales(W, 3, 127));
    assertArrayEquals(new byte[] {32, -64, 16, 0, 0, 0, 127, 64, -32}, q); // 31.75 rounds away from 0
    assertArrayEquals(new float[] {0f, 0f}, WeightScaling.PER_TENSOR.scales(new float[4], 2, 127));
    assertThrows(IllegalArgumentException.class, () -> WeightScaling.PER_TENSOR.scales(W, 2, 127));
  }

  @Test
  void parsesTheCliNames() {
    assertEquals(WeightScaling.PER_TENSOR, WeightScaling.parse("per-tensor"));
    assertEquals(WeightScaling.PER_CHANNEL, WeightScaling.parse(WeightScaling.PER_CHANNEL.cliName()));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> WeightScaling.parse("per-layer"));
    assertTrue(e.getMessage().contains("per-channel or per-tensor"), e.getMessage());
  }
}
