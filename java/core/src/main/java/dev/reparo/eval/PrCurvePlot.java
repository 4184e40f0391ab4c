package dev.reparo.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Draws a precision-recall curve (recall on x, precision on y, both 0..1) as a PNG, as {@code yolo
 * val} plots one per class. Stateless and thread-safe; needs no display (headless AWT).
 */
public final class PrCurvePlot {
  static final int WIDTH = 640;
  static final int HEIGHT = 480;
  /** Plot area: left, top, right, bottom edges in pixels. */
  static final int LEFT = 60;
  static final int TOP = 40;
  static final int RIGHT = WIDTH - 20;
  static final int BOTTOM = HEIGHT - 50;
  static final Color CURVE = new Color(31, 119, 180);

  private PrCurvePlot() {}

  /** Pixel column of recall {@code r}. */
  static int x(double r) {
    return (int) Math.round(LEFT + r * (RIGHT - LEFT));
  }

  /** Pixel row of precision {@code p}. */
  static int y(double p) {
    return (int) Math.round(BOTTOM - p * (BOTTOM - TOP));
  }

  /**
   * Plots {@code precision[i]} at recall {@code i / (n - 1)} (the 101 points of {@link
   * CocoMetrics#precisionCurve50}); negative (undefined) points are left out.
   */
  public static BufferedImage draw(String title, double[] precision) {
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int i = 0; i <= 10; i++) {
        double v = i / 10.0;
        g.setColor(new Color(230, 230, 230));
        g.drawLine(x(v), TOP, x(v), BOTTOM);
        g.drawLine(LEFT, y(v), RIGHT, y(v));
        g.setColor(Color.DARK_GRAY);
        String label = String.format("%.1f", v);
        g.drawString(label, x(v) - 8, BOTTOM + 16);
        g.drawString(label, LEFT - 28, y(v) + 4);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
      g.drawString("Recall", (LEFT + RIGHT) / 2 - 18, HEIGHT - 12);
      g.drawString("Precision", 4, TOP - 6);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, LEFT, 18);
      g.setColor(CURVE);
      g.setStroke(new BasicStroke(2f));
      Path2D.Double path = new Path2D.Double();
      boolean open = false;
      for (int i = 0; i < precision.length; i++) {
        if (precision[i] < 0) {
          open = false;
          continue;
        }
        double r = precision.length == 1 ? 0 : i / (double) (precision.length - 1);
        if (open) {
          path.lineTo(x(r), y(precision[i]));
        } else {
          path.moveTo(x(r), y(precision[i]));
          open = true;
        }
      }
      g.draw(path);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** {@link #draw} encoded as PNG. */
  public static byte[] png(String title, double[] precision) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(draw(title, precision), "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
