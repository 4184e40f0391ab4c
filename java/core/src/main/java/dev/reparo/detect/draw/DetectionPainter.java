package dev.reparo.detect.draw;

import dev.reparo.detect.Detection;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Draws detections as boxes with a label ("person 0.87") above each, in a colour per class: what
 * {@code reparo detect -o} writes, for applications. Only {@code java.awt}; works headless.
 *
 * <pre>{@code
 * List<Detection> dets = detector.detect(image);
 * ImageIO.write(DetectionPainter.paint(image, dets), "png", file);
 * }</pre>
 *
 * <p>The line width and font size grow with the image (1 px and 10 pt up to 400 px on the longer
 * side). Stateless and thread-safe: call from any thread; one image must not be painted by two
 * threads at once (as with any {@link Graphics2D}).
 */
public final class DetectionPainter {
  private static final Color[] PALETTE = {
      new Color(0xFF3838), new Color(0x2C99A8), new Color(0xFF701F), new Color(0x6473FF), new Color(0x00C2FF),
      new Color(0xFFB21D), new Color(0x48F90A), new Color(0xCB38FF), new Color(0x3DDB86), new Color(0xFF95C8)};

  private DetectionPainter() {}

  /**
   * The colour of class {@code classId}'s boxes: one of 10 colours, repeating every 10 classes
   * (negative ids too). Boxes' labels are white on it.
   */
  public static Color colorOf(int classId) {
    return PALETTE[Math.floorMod(classId, PALETTE.length)];
  }

  /**
   * A copy of {@code image} (8-bit BGR, {@link BufferedImage#TYPE_3BYTE_BGR}, whatever its type) with
   * {@code detections} drawn; {@code image} is not changed.
   *
   * @param detections boxes in {@code image}'s pixels, as {@code Detector.detect} returns them
   */
  public static BufferedImage paint(BufferedImage image, List<Detection> detections) {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(detections, "detections");
    BufferedImage copy = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = copy.createGraphics();
    try {
      g.drawImage(image, 0, 0, null);
    } finally {
      g.dispose();
    }
    paintInPlace(copy, detections);
    return copy;
  }

  /**
   * Draws {@code detections} into {@code image} itself. A label that would leave the image at the
   * top goes inside its box instead.
   *
   * @throws IllegalArgumentException for an image without a graphics context (indexed colour)
   */
  public static void paintInPlace(BufferedImage image, List<Detection> detections) {
    Objects.requireNonNull(detections, "detections");
    if (image.getType() == BufferedImage.TYPE_BYTE_INDEXED || image.getType() == BufferedImage.TYPE_BYTE_BINARY) {
      throw new IllegalArgumentException("cannot draw into an indexed-colour image; paint() draws into a BGR copy");
    }
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      int line = Math.max(1, Math.round(Math.max(image.getWidth(), image.getHeight()) / 400f));
      g.setStroke(new BasicStroke(line));
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, line * 7)));
      FontMetrics fm = g.getFontMetrics();
      for (Detection d : detections) {
        Color c = colorOf(d.classId());
        int x = Math.round(d.x1());
        int y = Math.round(d.y1());
        g.setColor(c);
        g.drawRect(x, y, Math.round(d.width()), Math.round(d.height()));
        String text = String.format(Locale.ROOT, "%s %.2f", d.label(), d.score());
        int tw = fm.stringWidth(text) + 4;
        int th = fm.getHeight();
        int ty = y - th >= 0 ? y - th : y;
        g.fillRect(x, ty, tw, th);
        g.setColor(Color.WHITE);
        g.drawString(text, x + 2, ty + fm.getAscent());
      }
    } finally {
      g.dispose();
    }
  }
}
