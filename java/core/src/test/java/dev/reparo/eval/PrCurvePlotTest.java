package dev.reparo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PrCurvePlotTest {
  @Test
  void theCurveIsDrawnWherePrecisionIsAndNowhereElse() throws Exception {
    double[] p = new double[101];
    Arrays.fill(p, 0, 51, 1.0);   // precision 1 up to recall 0.5, then 0.25
    Arrays.fill(p, 51, 101, 0.25);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(PrCurvePlot.png("circle AP50 0.625", p)));
    assertEquals(PrCurvePlot.WIDTH, img.getWidth());
    int curve = PrCurvePlot.CURVE.getRGB();
    assertEquals(curve, img.getRGB(PrCurvePlot.x(0.25), PrCurvePlot.y(1.0)));
    assertEquals(curve, img.getRGB(PrCurvePlot.x(0.8), PrCurvePlot.y(0.25)));
    assertNotEquals(curve, img.getRGB(PrCurvePlot.x(0.25), PrCurvePlot.y(0.6)));
    assertNotEquals(curve, img.getRGB(PrCurvePlot.x(0.8), PrCurvePlot.y(1.0)));
  }
}
