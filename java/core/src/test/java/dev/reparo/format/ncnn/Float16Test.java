package dev.reparo.format.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Float16Test {
  @Test
  void encodesKnownValues() {
    assertEquals(0x3c00, Float16.fromFloat(1f) & 0xffff);
    assertEquals(0xc000, Float16.fromFloat(-2f) & 0xffff);
    assertEquals(0x7bff, Float16.fromFloat(65504f) & 0xffff);
    assertEquals(0x7c00, Float16.fromFloat(65520f) & 0xffff); // rounds up past the largest half
    assertEquals(0x0001, Float16.fromFloat(0x1p-24f) & 0xffff);
    assertEquals(0x0000, Float16.fromFloat(0x1p-26f) & 0xffff);
    assertEquals(0x3555, Float16.fromFloat(1f / 3) & 0xffff);
    assertEquals(0x3c00, Float16.fromFloat(1f + 0x1p-11f) & 0xffff); // tie to even, down
    assertEquals(0x3c02, Float16.fromFloat(1f + 3 * 0x1p-11f) & 0xffff); // tie to even, up
  }

  @Test
  void everyHalfSurvivesTheRoundTrip() {
    for (int h = 0; h < 0x10000; h++) {
      boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
      if (!nan) {
        assertEquals(h, Float16.fromFloat(Float16.toFloat((short) h)) & 0xffff, "half 0x" + Integer.toHexString(h));
      }
    }
  }

  @Test
  void roundsToTheNearestHalf() {
    Random rng = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      float f = (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(30) - 20));
      short h = Float16.fromFloat(f);
      float back = Float16.toFloat(h);
      int sign = h & 0x8000;
      int mag = h & 0x7fff;
      float up = Float16.toFloat((short) (sign | (mag + 1))); // next half away from zero
      float down = Float16.toFloat((short) (sign | Math.max(mag - 1, 0))); // next toward zero
      double err = Math.abs((double) back - f);
      assertTrue(err <= Math.abs((double) up - f) && err <= Math.abs((double) down - f),
          f + " -> " + back + " is not the nearest half");
    }
  }
}
