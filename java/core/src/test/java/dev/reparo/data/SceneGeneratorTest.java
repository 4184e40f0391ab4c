package dev.reparo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.DataBufferByte;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SceneGeneratorTest {
  private static byte[] pixels(Scene scene) {
    return ((DataBufferByte) scene.image().getRaster().getDataBuffer()).getData();
  }

  @Test
  void sameSeedAndIndexGiveTheSamePixelsAndBoxes() {
    for (int i : new int[] {0, 5, 17}) {
      Scene a = new SceneGenerator(42).generate(i);
      Scene b = new SceneGenerator(42).generate(i);
      assertArrayEquals(pixels(a), pixels(b));
      assertEquals(a.objects().size(), b.objects().size());
      for (int k = 0; k < a.objects().size(); k++) {
        assertEquals(a.objects().get(k).box(), b.objects().get(k).box());
        assertEquals(a.objects().get(k).shapeClass(), b.objects().get(k).shapeClass());
      }
    }
  }

  @Test
  void differentSeedsOrIndicesGiveDifferentScenes() {
    Scene a = new SceneGenerator(1).generate(0);
    Scene b = new SceneGenerator(2).generate(0);
    Scene c = new SceneGenerator(1).generate(1);
    assertFalse(java.util.Arrays.equals(pixels(a), pixels(b)));
    assertFalse(java.util.Arrays.equals(pixels(a), pixels(c)));
    assertFalse(a.objects().get(0).box().equals(b.objects().get(0).box()));
  }

  @Test
  void scenesRespectCountsSizesAndOverlapRules() {
    SceneGenerator generator = new SceneGenerator(9);
    Set<ShapeClass> seen = EnumSet.noneOf(ShapeClass.class);
    int total = 0;
    int maxCount = 0;
    for (int i = 0; i < 60; i++) {
      Scene scene = generator.generate(i);
      int w = scene.image().getWidth();
      int h = scene.image().getHeight();
      assertTrue(w >= 320 && w <= 640 && h >= 320 && h <= 640, w + "x" + h);
      List<SceneObject> objects = scene.objects();
      assertTrue(objects.size() >= 1 && objects.size() <= 10, "objects: " + objects.size());
      maxCount = Math.max(maxCount, objects.size());
      total += objects.size();
      for (int a = 0; a < objects.size(); a++) {
        Box box = objects.get(a).box();
        seen.add(objects.get(a).shapeClass());
        double side = Math.max(box.width(), box.height());
        assertTrue(side >= 16 - 1e-9 && side <= 160 + 1e-9, "size " + side);
        assertTrue(box.x() >= 0 && box.y() >= 0 && box.right() <= w && box.bottom() <= h, box + " in " + w + "x" + h);
        double luma = SceneGenerator.luma(objects.get(a).colour());
        assertTrue(luma >= 0 && luma <= 255);
        for (int b = a + 1; b < objects.size(); b++) {
          Box other = objects.get(b).box();
          assertTrue(box.iou(other) <= 0.3, "IoU " + box.iou(other));
          assertTrue(box.intersection(other) <= 0.5 * Math.min(box.area(), other.area()) + 1e-9,
              "a box more than half inside another");
        }
      }
    }
    assertEquals(EnumSet.allOf(ShapeClass.class), seen);
    assertTrue(maxCount >= 7, "crowded scenes occur: max " + maxCount);
    assertTrue(total > 60 * 3, "about 5.5 objects per image on average: " + total);
  }

  @Test
  void objectsStandOutFromTheBackgroundUnderThem() {
    Scene scene = new SceneGenerator(5).generate(3);
    // the object's own pixels (centre of a filled shape) carry its colour, up to noise and JPEG-free
    for (SceneObject o : scene.objects()) {
      if (o.shapeClass() == ShapeClass.RING || o.shapeClass() == ShapeClass.CROSS) {
        continue; // their box centre may be background (ring) — checked elsewhere
      }
      Box b = o.box();
      int rgb = scene.image().getRGB((int) (b.x() + b.width() / 2), (int) (b.y() + b.height() / 2));
      int covering = 0;
      for (SceneObject later : scene.objects()) {
        if (later != o && later.box().intersection(b) > 0) {
          covering++;
        }
      }
      if (covering == 0) {
        assertEquals(o.colour().getRed(), (rgb >> 16) & 0xff, 25);
        assertEquals(o.colour().getGreen(), (rgb >> 8) & 0xff, 25);
        assertEquals(o.colour().getBlue(), rgb & 0xff, 25);
      }
    }
  }
}
