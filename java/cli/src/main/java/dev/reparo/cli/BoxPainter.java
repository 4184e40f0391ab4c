package dev.reparo.cli;

import dev.reparo.detect.Detection;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Draws labelled detection boxes into a copy of an image. Stateless and thread-safe. */
final class BoxPainter {
  private static final Color[] PALETTE = {
      new Color(0xFF3838), new Color(0x2C99A8), new Color(0xFF701F), new Color(0x6473FF), new Color(0x00C2FF),
      new Color(0xFFB21D), new Color(0x48F90A), new Color(0xCB38FF), new Color(0x3DDB86), new Color(0xFF95C8)};

  private BoxPainter() {}

  static BufferedImage paint(BufferedImage img, List<Detection> dets) {
    BufferedImage copy = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = copy.createGraphics();
    try {
      g.drawImage(img, 0, 0, null);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      int line = Math.max(1, Math.round(Math.max(img.getWidth(), img.getHeight()) / 400f));
      g.setStroke(new BasicStroke(line));
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, line * 7)));
      FontMetrics fm = g.getFontMetrics();
      for (Detection d : dets) {
        Color c = PALETTE[Math.floorMod(d.classId(), PALETTE.length)];
        int x = Math.round(d.x1());
        int y = Math.round(d.y1());
        g.setColor(c);
        g.drawRect(x, y, Math.round(d.width()), Math.round(d.height()));
        String text = String.format("%s %.2f", d.label(), d.score());
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
    return copy;
  }
}
