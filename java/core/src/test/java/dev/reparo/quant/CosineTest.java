package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CosineTest {
  @Test
  void measuresDirectionNotScale() {
    assertEquals(1.0, Cosine.similarity(new float[] {1, 2, 3}, new float[] {2, 4, 6}), 1e-12);
    assertEquals(-1.0, Cosine.similarity(new float[] {1, -2}, new float[] {-1, 2}), 1e-12);
    assertEquals(0.0, Cosine.similarity(new float[] {1, 0}, new float[] {0, 5}), 1e-12);
  }

  @Test
  void zeroVectorsAreDefined() {
    assertEquals(1.0, Cosine.similarity(new float[3], new float[3]), 0, "both silent: the same");
    assertEquals(0.0, Cosine.similarity(new float[] {1, 1}, new float[2]), 0, "one silent: nothing alike");
  }

  @Test
  void refusesVectorsOfDifferentLength() {
    assertThrows(IllegalArgumentException.class, () -> Cosine.similarity(new float[2], new float[3]));
  }
}
