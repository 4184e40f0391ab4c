package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reparo.InvalidInputException;
import org.junit.jupiter.api.Test;

class LetterboxTest {
  @Test
  void fixedLetterboxCentresTheImage() {
    Letterbox b = Letterbox.fixed(640, 480, 320, 320);
    assertEquals(0.5f, b.scale());
    assertEquals(320, b.resizedWidth());
    assertEquals(240, b.resizedHeight());
    assertEquals(0, b.padLeft());
    assertEquals(40, b.padTop());
    assertEquals(200f, b.toImageX(100f));
    assertEquals(120f, b.toImageY(100f)); // (100 - 40) / 0.5
    assertEquals(0f, b.toImageY(10f), "padding maps to the image edge");
    assertEquals(480f, b.toImageY(319f));
  }

  @Test
  void minimalLetterboxPadsToTheStride() {
    Letterbox b = Letterbox.minimal(1000, 500, 320, 32);
    assertEquals(320, b.inputWidth());
    assertEquals(160, b.resizedHeight());
    assertEquals(160, b.inputHeight(), "160 is already a multiple of 32");
    Letterbox odd = Letterbox.minimal(1000, 550, 320, 32);
    assertEquals(176, odd.resizedHeight());
    assertEquals(192, odd.inputHeight());
    assertEquals(8, odd.padTop());
  }

  @Test
  void rejectsEmptyImages() {
    assertThrows(InvalidInputException.class, () -> Letterbox.fixed(0, 10, 320, 320));
  }
}
