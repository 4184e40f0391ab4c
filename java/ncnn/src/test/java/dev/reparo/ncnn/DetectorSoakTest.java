package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.backend.DeployedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Detector shared by 8 threads for many {@code detect} calls: every result equals the
 * single-threaded one, resident memory stops growing after warm-up, and close is idempotent and
 * final: 8 threads × {@value #DEFAULT_CALLS} calls each, measured after a warm-up of
 * {@value #WARM_UP_CALLS} calls per thread (about 100 s on a shared 2-core CI machine). It runs in its
 * own JVM (surefire execution {@code soak}) with a pre-touched fixed heap, so RSS growth is native
 * growth. {@code -Dreparo.soak.calls=N} changes the measured count.
 */
class DetectorSoakTest {
  static final int THREADS = 8;
  static final int DEFAULT_CALLS = 2000;
  static final int WARM_UP_CALLS = 200;

  /** Small scenes with shapes in different places, so that the detections differ per image. */
  private static List<BufferedImage> images() {
    List<BufferedImage> out = new ArrayList<>();
    Random r = new Random(3);
    for (int i = 0; i < 4; i++) {
      BufferedImage img = new BufferedImage(96 + 16 * i, 72, BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = img.createGraphics();
      g.setColor(new Color(r.nextInt(0xffffff)));
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      g.setColor(new Color(r.nextInt(0xffffff)));
      g.fillOval(r.nextInt(40), r.nextInt(30), 30, 30);
      g.dispose();
      out.add(img);
    }
    return out;
  }

  /** Resident set size of this process in kB, from /proc/self/status (Linux). */
  private static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new AssertionError("no VmRSS in /proc/self/status");
  }

  /** Runs {@code calls} rounds per thread over all images; returns the mismatches found. */
  private static List<String> hammer(Detector d, List<BufferedImage> images, List<List<Detection>> want, int calls)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<List<String>>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int offset = t;
        futures.add(pool.submit(() -> {
          start.await();
          List<String> bad = new ArrayList<>();
          for (int i = 0; i < calls; i++) {
            int k = (i + offset) % images.size();
            List<Detection> got = d.detect(images.get(k));
            if (!got.equals(want.get(k)) && bad.size() < 3) {
              bad.add("thread " + offset + " call " + i + " image " + k + ": " + got + " != " + want.get(k));
            }
          }
          return bad;
        }));
      }
      start.countDown();
      List<String> bad = new ArrayList<>();
      for (Future<List<String>> f : futures) {
        bad.addAll(f.get(10, TimeUnit.MINUTES));
      }
      return bad;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void eightThreadsAgreeWithOneAndMemoryStaysFlat(@TempDir Path cache) throws Exception {
    int calls = Integer.getInteger("reparo.soak.calls", DEFAULT_CALLS);
    DeployedModel model = new ConversionCache(cache).deploy(DetectorOnNcnnTest.FIXTURE.resolve("model.onnx"));
    List<BufferedImage> images = images();
    Detector d = Detector.open(model.dir(), DetectorOnNcnnTest.options().threads(1).confThreshold(0.25f).build());
    try {
      List<List<Detection>> want = new ArrayList<>();
      for (BufferedImage img : images) {
        want.add(d.detect(img));
      }
      assertTrue(want.stream().anyMatch(l -> !l.isEmpty()), "some image gives detections to compare");
      assertFalse(want.get(0).equals(want.get(1)) && want.get(1).equals(want.get(2)), "images differ in results");

      assertEquals(List.of(), hammer(d, images, want, Math.min(calls, WARM_UP_CALLS)), "warm-up");
      System.gc();
      long before = rssKb();
      long startNs = System.nanoTime();
      assertEquals(List.of(), hammer(d, images, want, calls));
      double seconds = (System.nanoTime() - startNs) / 1e9;
      System.gc();
      long after = rssKb();
      double growth = (after - before) / (double) before;
      System.out.printf("soak: %d threads x %d detect calls in %.1f s; RSS %d -> %d kB (%+.2f%%)%n", THREADS, calls,
          seconds, before, after, 100 * growth);
      assertTrue(growth < 0.05, "RSS grew " + (100 * growth) + "% after warm-up: "
          + before + " kB -> " + after + " kB");
    } finally {
      d.close();
    }
    d.close(); // idempotent
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.detect(images.get(0)));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> d.detect(new byte[] {1, 2, 3}));
  }
}
