package dev.reparo.detect.draw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.detect.Detection;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionPainterTest {
  private static final int GREY = 0x808080;

  private static BufferedImage grey(int w, int h, int type) {
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, 0xFF000000 | GREY);
      }
    }
    return img;
  }

  private static int rgb(BufferedImage img, int x, int y) {
    return img.getRGB(x, y) & 0xFFFFFF;
  }

  @Test
  void boxesAreDrawnInTheirClassColourOnABgrCopyWithTheLabelAbove() {
    BufferedImage src = grey(200, 150, BufferedImage.TYPE_INT_RGB);
    Detection cat = new Detection(40, 60, 120, 140, 0.87f, 3, "cat");
    Detection dog = new Detection(130, 50, 190, 100, 0.5f, 14, "dog");
    BufferedImage out = DetectionPainter.paint(src, List.of(cat, dog));

    assertEquals(BufferedImage.TYPE_3BYTE_BGR, out.getType());
    assertEquals(200, out.getWidth());
    assertEquals(150, out.getHeight());
    for (int y = 0; y < 150; y++) {
      for (int x = 0; x < 200; x++) {
        assertEquals(GREY, rgb(src, x, y), "the source is not drawn on");
      }
    }
    int catColour = DetectionPainter.colorOf(3).getRGB() & 0xFFFFFF;
    int dogColour = DetectionPainter.colorOf(14).getRGB() & 0xFFFFFF;
    assertNotEquals(catColour, dogColour);
    // Box edges (1 px line below 400 px): left, right, bottom of the cat's box.
    assertEquals(catColour, rgb(out, 40, 100));
    assertEquals(catColour, rgb(out, 120, 100));
    assertEquals(catColour, rgb(out, 80, 140));
    assertEquals(dogColour, rgb(out, 190, 80));
    // Inside and outside the boxes: untouched.
    assertEquals(GREY, rgb(out, 80, 100));
    assertEquals(GREY, rgb(out, 5, 5));
    // The label sits on a bar in the box's colour above its top edge, with white text in it.
    assertEquals(catColour, rgb(out, 41, 59));
    int white = 0;
    for (int y = 40; y < 60; y++) {
      for (int x = 40; x < 110; x++) {
        white += rgb(out, x, y) == 0xFFFFFF ? 1 : 0;
      }
    }
    assertTrue(white > 10, "white label text above the cat's box: " + white + " white pixels");
  }

  @Test
  void aLabelAtTheTopEdgeGoesInsideItsBox() {
    BufferedImage img = grey(100, 100, BufferedImage.TYPE_3BYTE_BGR);
    DetectionPainter.paintInPlace(img, List.of(new Detection(10, 0, 90, 80, 0.9f, 0, "person")));
    int colour = DetectionPainter.colorOf(0).getRGB() & 0xFFFFFF;
    assertEquals(colour, rgb(img, 11, 5), "label bar inside the box, drawn into the image itself");
  }

  @Test
  void coloursRepeatEveryTenClassesNegativeIdsIncluded() {
    for (int id = 0; id < 10; id++) {
      assertEquals(DetectionPainter.colorOf(id), DetectionPainter.colorOf(id + 10));
      assertEquals(DetectionPainter.colorOf(id), DetectionPainter.colorOf(id - 10));
      for (int other = id + 1; other < 10; other++) {
        assertNotEquals(DetectionPainter.colorOf(id), DetectionPainter.colorOf(other));
      }
    }
    assertEquals(new Color(0xFF3838), DetectionPainter.colorOf(0));
  }

  @Test
  void noDetectionsGiveAnEqualCopyAndIndexedImagesAreRefusedInPlace() {
    BufferedImage src = grey(20, 10, BufferedImage.TYPE_INT_ARGB);
    BufferedImage out = DetectionPainter.paint(src, List.of());
    assertTrue(out != src);
    assertEquals(GREY, rgb(out, 19, 9));
    BufferedImage indexed = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_INDEXED);
    String m = assertThrows(IllegalArgumentException.class,
        () -> DetectionPainter.paintInPlace(indexed, List.of())).getMessage();
    assertTrue(m.contains("indexed"), m);
    assertEquals(BufferedImage.TYPE_3BYTE_BGR, DetectionPainter.paint(indexed, List.of()).getType());
  }
}
