package dev.reparo.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A horizontal bar chart of {@link PeerComparison}'s rows: pnnx ms and Reparo ms per model. */
final class PeerChart {
  private static final Color PNNX = new Color(0xE0, 0x7B, 0x39);
  private static final Color REPARO = new Color(0x3A, 0x6E, 0xA5);

  private PeerChart() {}

  static void write(List<PeerComparison.Row> rows, Path png) throws IOException {
    int label = 400;
    int plot = 520;
    int rowH = 34;
    int top = 50;
    int width = label + plot + 140;
    int height = top + rows.size() * rowH + 40;
    double max = rows.stream().mapToDouble(r -> Math.max(nan0(r.pnnxMs()), nan0(r.reparoMs()))).max().orElse(1);
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    g.drawString("ncnn inference, 1 thread, median ms (shorter is faster); label: pnnx / Reparo", 10, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    legend(g, label, 36, PNNX, "pnnx");
    legend(g, label + 80, 36, REPARO, "Reparo");
    for (int i = 0; i < rows.size(); i++) {
      PeerComparison.Row r = rows.get(i);
      int y = top + i * rowH;
      g.setColor(Color.BLACK);
      g.drawString(r.model(), 10, y + 20);
      bar(g, label, y + 4, r.pnnxMs(), max, plot, PNNX);
      bar(g, label, y + 17, r.reparoMs(), max, plot, REPARO);
      g.setColor(Color.BLACK);
      String ratio = Double.isNaN(r.ratio()) ? "pnnx: —" : String.format("%.2fx", r.ratio());
      g.drawString(ratio, label + plot + 10, y + 20);
    }
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1));
    g.drawLine(label, top, label, top + rows.size() * rowH);
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }

  private static double nan0(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  private static void bar(Graphics2D g, int x, int y, double ms, double max, int plot, Color c) {
    if (Double.isNaN(ms)) {
      return;
    }
    g.setColor(c);
    g.fillRect(x, y, (int) Math.max(1, ms / max * plot), 12);
  }

  private static void legend(Graphics2D g, int x, int y, Color c, String text) {
    g.setColor(c);
    g.fillRect(x, y - 10, 12, 12);
    g.setColor(Color.BLACK);
    g.drawString(text, x + 16, y);
  }
}
