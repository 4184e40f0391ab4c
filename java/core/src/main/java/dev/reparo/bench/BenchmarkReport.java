package dev.reparo.bench;

import dev.reparo.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Writes benchmark results as {@code bench.md} (a table with the setup), {@code bench.csv} (one
 * row per case, for spreadsheets and scripts) and {@code bench.png} (median latency bars grouped by
 * thread count, p90 as a whisker), each atomically. Stateless and thread-safe.
 */
public final class BenchmarkReport {
  public static final String MARKDOWN = "bench.md";
  public static final String CSV = "bench.csv";
  public static final String CHART = "bench.png";
  static final String CSV_HEADER = "backend,runtime,threads,load_ms,runs,p50_ms,p90_ms,p99_ms,mean_ms,"
      + "images_per_s,peak_rss_mb,speedup_vs_first,gflop_per_s,model_mb,map50,map50_95";

  private static final Color[] PALETTE = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868),
      new Color(0xC44E52), new Color(0x8172B3), new Color(0x937860)};

  private BenchmarkReport() {}

  /**
   * Writes the three files into {@code dir} (created if missing).
   *
   * @param gflops floating-point work of one inference in GFLOP (2 per multiply-accumulate), for the
   *     achieved GFLOP/s column
   */
  public static void write(Path dir, String model, String machine, double gflops, BenchmarkRunner.Settings settings,
      List<BenchmarkResult> results) throws IOException {
    write(dir, model, machine, gflops, settings, results, Map.of(), null);
  }

  /**
   * As {@link #write(Path, String, String, double, BenchmarkRunner.Settings, List)}, with each
   * backend's model size and accuracy (by backend name; accuracy columns appear in bench.md when
   * any was measured, on {@code dataset}; bench.csv always has the columns, empty when unknown).
   */
  public static void write(Path dir, String model, String machine, double gflops, BenchmarkRunner.Settings settings,
      List<BenchmarkResult> results, Map<String, ModelQuality> quality, String dataset) throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.write(dir.resolve(CSV), csv(results, gflops, quality).getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(dir.resolve(MARKDOWN), markdown(model, machine, gflops, settings, results, quality, dataset)
        .getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(dir.resolve(CHART), chart(model, results));
  }

  /** GFLOP/s at the median latency. */
  static double gflopsPerSecond(double gflops, BenchmarkResult r) {
    return gflops / (r.latency().p50Ms() / 1000.0);
  }

  static String csv(List<BenchmarkResult> results, double gflops, Map<String, ModelQuality> quality) {
    StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
    for (BenchmarkResult r : results) {
      LatencyStats l = r.latency();
      ModelQuality q = quality.get(r.backend());
      b.append(String.format(Locale.ROOT, "%s,\"%s\",%d,%.3f,%d,%.4f,%.4f,%.4f,%.4f,%.2f,%.1f,%.3f,%.3f,%s,%s,%s%n",
          r.backend(), r.runtime().replace("\"", "\"\""), r.threads(), r.loadMs(), l.runs(), l.p50Ms(), l.p90Ms(),
          l.p99Ms(), l.meanMs(), l.imagesPerSecond(), r.peakRssMb(), r.speedup(), gflopsPerSecond(gflops, r),
          q == null ? "" : String.format(Locale.ROOT, "%.3f", q.modelMb()), q == null || !q.measured() ? "" :
          String.format(Locale.ROOT, "%.5f", q.map50()), q == null || !q.measured() ? "" :
          String.format(Locale.ROOT, "%.5f", q.map())));
    }
    return b.toString();
  }

  static String markdown(String model, String machine, double gflops, BenchmarkRunner.Settings s,
      List<BenchmarkResult> results, Map<String, ModelQuality> quality, String dataset) {
    boolean sized = !quality.isEmpty();
    boolean accuracy = quality.values().stream().anyMatch(ModelQuality::measured);
    StringBuilder b = new StringBuilder();
    b.append("# reparo bench\n\n");
    b.append("- model: `").append(model).append("`\n");
    b.append("- machine: ").append(machine).append('\n');
    b.append(String.format(Locale.ROOT, "- work: %.3f GFLOP per inference (2 per multiply-accumulate)%n", gflops));
    b.append(String.format(Locale.ROOT, "- %d warm-up + %d timed runs per case, one input, one process%n",
        s.warmup(), s.runs()));
    boolean cumulative = results.stream().anyMatch(r -> !r.peakRssReset());
    b.append("- peak RSS: process high-water mark (VmHWM) after each case")
        .append(cumulative ? ", cumulative (the kernel refused a reset)" : ", reset before each case").append("\n\n");
    if (accuracy) {
      b.append("- accuracy: COCO mAP on `").append(dataset).append("` (conf 0.001, NMS IoU 0.6, 100 detections per image)\n\n");
    }
    b.append("| backend | runtime | threads | load ms | p50 ms | p90 ms | p99 ms | images/s | peak RSS MiB | speed-up "
        + "| GFLOP/s |").append(sized ? " model MB |" : "").append(accuracy ? " mAP50 | mAP50-95 |" : "").append('\n');
    b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|").append(sized ? "---:|" : "")
        .append(accuracy ? "---:|---:|" : "").append('\n');
    for (BenchmarkResult r : results) {
      LatencyStats l = r.latency();
      ModelQuality q = quality.get(r.backend());
      b.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.3f | %.3f | %.3f | %.1f | %.1f | %.2fx | %.2f |",
          r.backend(), r.runtime(), r.threads(), r.loadMs(), l.p50Ms(), l.p90Ms(), l.p99Ms(), l.imagesPerSecond(),
          r.peakRssMb(), r.speedup(), gflopsPerSecond(gflops, r)));
      if (sized) {
        b.append(q == null ? " |" : String.format(Locale.ROOT, " %.2f |", q.modelMb()));
      }
      if (accuracy) {
        b.append(q == null || !q.measured() ? " | |" : String.format(Locale.ROOT, " %.3f | %.3f |", q.map50(), q.map()));
      }
      b.append('\n');
    }
    b.append("\nSpeed-up: the first backend's p50 at the same thread count divided by this one's. GFLOP/s: the\n"
        + "model's work divided by the p50 latency; compare it with the CPU's peak to see how much headroom is left.\n");
    if (sized) {
      b.append("Model MB: the files the backend loads (ncnn: param + bin; ONNX Runtime, TensorRT: the ONNX), 10^6 bytes.\n");
    }
    return b.toString();
  }

  /** A PNG bar chart: groups of bars (one per backend) per thread count; bar = p50, whisker = p90. */
  static byte[] chart(String model, List<BenchmarkResult> results) throws IOException {
    Set<String> backends = new LinkedHashSet<>();
    Set<Integer> threads = new LinkedHashSet<>();
    double max = 0;
    for (BenchmarkResult r : results) {
      backends.add(r.backend());
      threads.add(r.threads());
      max = Math.max(max, r.latency().p90Ms());
    }
    List<String> names = new ArrayList<>(backends);
    int w = 200 + threads.size() * (names.size() * 70 + 50);
    int h = 420;
    int left = 70;
    int top = 50;
    int bottom = h - 70;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, w, h);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString("Median latency (ms, lower is better; whisker: p90) - " + model, 10, 22);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics fm = g.getFontMetrics();
      double scale = (bottom - top) / (max * 1.1);
      // y axis with 5 ticks
      g.drawLine(left, top, left, bottom);
      g.drawLine(left, bottom, w - 120, bottom);
      for (int i = 0; i <= 5; i++) {
        double v = max * 1.1 * i / 5;
        int y = bottom - (int) Math.round(v * scale);
        g.setColor(new Color(0xDDDDDD));
        g.drawLine(left + 1, y, w - 120, y);
        g.setColor(Color.BLACK);
        String label = String.format(Locale.ROOT, "%.2f", v);
        g.drawString(label, left - 6 - fm.stringWidth(label), y + 4);
      }
      int x = left + 25;
      for (int t : threads) {
        int groupStart = x;
        for (int i = 0; i < names.size(); i++) {
          BenchmarkResult r = find(results, names.get(i), t);
          if (r != null) {
            int bh = (int) Math.round(r.latency().p50Ms() * scale);
            g.setColor(PALETTE[i % PALETTE.length]);
            g.fillRect(x, bottom - bh, 56, bh);
            g.setColor(Color.BLACK);
            int wy = bottom - (int) Math.round(r.latency().p90Ms() * scale);
            g.setStroke(new BasicStroke(1.5f));
            g.drawLine(x + 28, bottom - bh, x + 28, wy);
            g.drawLine(x + 20, wy, x + 36, wy);
            String v = String.format(Locale.ROOT, "%.2f", r.latency().p50Ms());
            g.drawString(v, x + 28 - fm.stringWidth(v) / 2, Math.min(wy, bottom - bh) - 4);
          }
          x += 70;
        }
        String label = t == 0 ? "default threads" : t + (t == 1 ? " thread" : " threads");
        g.drawString(label, (groupStart + x - 14) / 2 - fm.stringWidth(label) / 2, bottom + 18);
        x += 50;
      }
      int ly = top;
      for (int i = 0; i < names.size(); i++) {
        g.setColor(PALETTE[i % PALETTE.length]);
        g.fillRect(w - 110, ly, 12, 12);
        g.setColor(Color.BLACK);
        g.drawString(names.get(i), w - 92, ly + 11);
        ly += 20;
      }
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    if (!ImageIO.write(img, "png", png)) {
      throw new IOException("no PNG writer in this JVM");
    }
    return png.toByteArray();
  }

  private static BenchmarkResult find(List<BenchmarkResult> results, String backend, int threads) {
    for (BenchmarkResult r : results) {
      if (r.backend().equals(backend) && r.threads() == threads) {
        return r;
      }
    }
    return null;
  }
}
