package dev.reparo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShapeGeometryTest {
  /** Rasterises the outline alone, anti-aliased, into a coverage mask (0–255). */
  private static int[][] mask(ShapeGeometry shape, int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setColor(Color.WHITE);
    g.fill(shape.outline());
    g.dispose();
    int[][] m = new int[h][w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        m[y][x] = image.getRaster().getSample(x, y, 0);
      }
    }
    return m;
  }

  @Test
  void boxIsTheTightBoundOfTheRenderedMask() {
    SplittableRandom random = new SplittableRandom(7);
    for (ShapeClass c : ShapeClass.values()) {
      for (int trial = 0; trial < 25; trial++) {
        double size = 16 + 144 * random.nextDouble();
        ShapeGeometry shape = ShapeGeometry.create(c, size, random)
            .translate(5 + random.nextDouble() * 10, 5 + random.nextDouble() * 10);
        Box box = shape.box();
        assertEquals(size, Math.max(box.width(), box.height()), 1e-9, c + ": larger side is the size");
        int[][] m = mask(shape, 190, 190);
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        for (int y = 0; y < m.length; y++) {
          for (int x = 0; x < m[y].length; x++) {
            if (m[y][x] > 0) {
              // any covered pixel lies inside the box (pixel x spans [x, x+1))
              assertTrue(x + 1 > box.x() && x < box.right() && y + 1 > box.y() && y < box.bottom(),
                  c + ": pixel " + x + "," + y + " outside " + box);
            }
            if (m[y][x] >= 128) {
              minX = Math.min(minX, x);
              minY = Math.min(minY, y);
              maxX = Math.max(maxX, x);
              maxY = Math.max(maxY, y);
            }
          }
        }
        // and the box is no looser than the half-covered pixels (sharp tips lose up to ~2 px)
        String where = c + " size " + size + " box " + box + " mask " + minX + "," + minY + "-" + maxX + "," + maxY;
        assertEquals(box.x(), minX, 2.0, where);
        assertEquals(box.y(), minY, 2.0, where);
        assertEquals(box.right(), maxX + 1, 2.0, where);
        assertEquals(box.bottom(), maxY + 1, 2.0, where);
      }
    }
  }

  @Test
  void areaMatchesTheRenderedCoverage() {
    SplittableRandom random = new SplittableRandom(11);
    for (ShapeClass c : ShapeClass.values()) {
      ShapeGeometry shape = ShapeGeometry.create(c, 120, random).translate(4.3, 3.7);
      double covered = 0;
      for (int[] row : mask(shape, 130, 130)) {
        for (int v : row) {
          covered += v / 255.0;
        }
      }
      assertEquals(shape.area(), covered, 0.02 * shape.area(), c.toString());
    }
  }

  @Test
  void ringIsHollowAndCrossHasThinArms() {
    SplittableRandom random = new SplittableRandom(3);
    ShapeGeometry ring = ShapeGeometry.create(ShapeClass.RING, 100, random);
    int[][] m = mask(ring, 101, 101);
    assertEquals(0, m[50][50], "ring centre is empty");
    assertEquals(255, m[50][3], "ring band is filled");
    // inner radius 0.5–0.7 of the outer: area between pi*50^2*(1-0.49) and pi*50^2*(1-0.25)
    double outer = Math.PI * 50 * 50;
    assertTrue(ring.area() >= outer * 0.51 - 1e-6 && ring.area() <= outer * 0.75 + 1e-6, "ring area " + ring.area());

    ShapeGeometry cross = ShapeGeometry.create(ShapeClass.CROSS, 100, random);
    int[][] c = mask(cross, 101, 101);
    assertEquals(0, c[10][10], "cross corner is empty");
    assertEquals(255, c[50][50], "cross centre is filled");
    assertEquals(255, c[2][50], "vertical arm reaches the top");
    assertEquals(0, c[2][50 + 16], "vertical arm is 30 px wide");
    assertEquals(255, c[2][50 + 14], "vertical arm is 30 px wide");
    assertEquals(100 * 100 * (2 * 0.3 - 0.09), cross.area(), 1e-6);
  }
}
