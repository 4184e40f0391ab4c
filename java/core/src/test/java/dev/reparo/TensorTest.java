package dev.reparo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void rejectsDataThatDoesNotFitTheShape() {
    var e = assertThrows(InvalidInputException.class, () -> Tensor.of(new float[5], 1, 2, 3));
    assertTrue(e.getMessage().contains("needs 6 values, got 5"), e.getMessage());
  }

  @Test
  void rejectsNegativeAndOverflowingShapes() {
    assertThrows(InvalidInputException.class, () -> Tensor.zeros(2, -1));
    assertThrows(InvalidInputException.class, () -> Tensor.zeros(65536, 65536));
  }

  @Test
  void reshapeKeepsValues() {
    Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).reshape(3, 2);
    assertEquals(3, t.dim(0));
    assertEquals(6f, t.data()[5]);
  }
}
