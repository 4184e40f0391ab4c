package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.ImageInput;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.Detection;
import dev.reparo.detect.DetectionMatching;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.ImagePreprocessing;
import dev.reparo.detect.Letterbox;
import dev.reparo.detect.ModelMetadata;
import dev.reparo.format.npy.Npy;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole detector path on ncnn, checked against independent oracles: the seeded YOLOv5-Lite-e
 * fixture (training form, raw head) is converted and run by ncnn on the fixture's input, its outputs
 * compared with those PyTorch computed; the trained demo model's detections are compared with ONNX
 * Runtime's on the model as exported.
 */
class DetectorOnNcnnTest {
  static final Path FIXTURE = Path.of(System.getProperty("reparo.fixtures"), "yolov5lite_e-training-torchscript11-raw");

  static DetectorOptions.Builder options() {
    return DetectorOptions.builder()
        .metadata("names", "[\"circle\",\"square\",\"triangle\",\"ring\",\"cross\",\"star\"]")
        .metadata("strides", "[8,16,32]")
        .metadata("anchors", "[[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]]")
        .metadata("input_size", "320");
  }

  @Test
  void convertedModelMatchesPyTorchOutputs(@TempDir Path cache) throws Exception {
    DeployedModel deployed = new ConversionCache(cache).deploy(FIXTURE.resolve("model.onnx"));
    DetectorOptions opts = options().threads(1).build();
    try (LoadedModel m = Backends.find(BackendKind.NCNN).load(deployed, opts.loadOptions())) {
      List<Tensor> got = m.run(Npy.read(FIXTURE.resolve("input.npy")));
      List<Tensor> want = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        want.add(Npy.read(FIXTURE.resolve("output_" + i + ".npy")));
      }
      double worst = 0;
      double worstAbs = 0;
      double peak = 0;
      for (int i = 0; i < 3; i++) {
        assertEquals(java.util.Arrays.toString(want.get(i).shape()), java.util.Arrays.toString(got.get(i).shape()));
        float[] a = want.get(i).data();
        float[] b = got.get(i).data();
        for (int j = 0; j < a.length; j++) {
          double err = Math.abs(a[j] - b[j]) / (1e-3 + Math.abs(a[j]));
          worst = Math.max(worst, err);
          worstAbs = Math.max(worstAbs, Math.abs(a[j] - b[j]));
          peak = Math.max(peak, Math.abs(a[j]));
        }
      }
      System.out.printf("ncnn vs PyTorch: max abs %.3g, peak |ref| %.3g, max rel %.3g%n", worstAbs, peak, worst);
      assertTrue(worstAbs <= 1e-4 * peak, "largest difference ncnn vs PyTorch " + worstAbs + " on outputs up to " + peak);

      // No detection lists from this fixture: its random weights put ~2 800 candidates above 0.3
      // with near-equal scores, so which of them NMS keeps turns on the last bit of rounding, which
      // differs between CPUs (AVX-512 vs AVX2 kernels). detectionsEqualTheOnnxRuntimeOracle checks
      // detections on a trained model, whose objects are well separated.
    }
  }

  /**
   * Detections of the trained demo model through ncnn (converted, fused) equal those of ONNX
   * Runtime running the model as exported (training form, not converted by Reparo) on the same
   * input tensor, matched as sets: same classes, IoU ≥ 0.99, scores within 1e-3 (the outputs agree
   * to ~1e-5; the margin covers FP32 summation order on any ISA), nothing else on either side.
   */
  @Test
  void detectionsEqualTheOnnxRuntimeOracle() throws Exception {
    Path demo = Path.of(System.getProperty("reparo.demo.model"));
    float conf = 0.25f;
    int compared = 0;
    try (Detector d = Detector.open(demo, DetectorOptions.builder().threads(1).confThreshold(conf)
            .backend(BackendKind.NCNN).build());
        OrtOracle oracle = new OrtOracle(demo)) {
      compared = oracle.assertSameDetections(d, 4, new DetectionMatching.Tolerance(0.99f, 1e-3f, conf), "demo");
    }
    assertTrue(compared >= 8, "the trained model finds objects in the generated scenes: " + compared);
  }

  /**
   * One open detector, thresholds changed per call: a higher confidence gives exactly the
   * detections of the lower one that score above it (greedy NMS never lets a lower score suppress
   * a higher one), and a class filter gives only its class, the best detection among them.
   */
  @Test
  void thresholdsChangePerCallWithoutReopening() {
    Path demo = Path.of(System.getProperty("reparo.demo.model"));
    try (Detector d = Detector.open(demo, DetectorOptions.builder().threads(1).confThreshold(0.1f)
        .backend(BackendKind.NCNN).build())) {
      dev.reparo.data.SceneGenerator scenes = new dev.reparo.data.SceneGenerator(11);
      int dropped = 0;
      for (int i = 0; i < 3; i++) {
        BufferedImage img = scenes.generate(i).image();
        List<Detection> low = d.detect(img);
        List<Detection> high = d.detect(img, d.options().params().withConf(0.6f));
        assertEquals(low.stream().filter(x -> x.score() > 0.6f).toList(), high);
        dropped += low.size() - high.size();
        int cls = low.get(0).classId();
        List<Detection> oneClass = d.detect(img, d.options().params().withClasses(cls));
        assertTrue(oneClass.stream().allMatch(x -> x.classId() == cls), oneClass.toString());
        assertEquals(low.get(0), oneClass.get(0));
        assertEquals(low, d.detect(img), "the options' thresholds are unchanged by per-call ones");
      }
      assertTrue(dropped > 0, "conf 0.6 drops some detections that conf 0.1 keeps");
    }
  }

  /**
   * An image prepared ahead ({@code reparo detect}'s decoders do this on their threads) gives
   * exactly the detections of the image itself, whatever its size and aspect, as often as it runs;
   * once closed it runs no more.
   */
  @Test
  void aPreparedImageDetectsExactlyAsTheImage() {
    Path demo = Path.of(System.getProperty("reparo.demo.model"));
    try (Detector d = Detector.open(demo, DetectorOptions.builder().threads(1).backend(BackendKind.NCNN).build())) {
      dev.reparo.data.SceneGenerator scenes = new dev.reparo.data.SceneGenerator(5);
      int found = 0;
      int[][] sizes = {{320, 320}, {640, 480}, {333, 517}};
      for (int i = 0; i < sizes.length; i++) {
        BufferedImage scene = scenes.generate(i).image();
        BufferedImage img = new BufferedImage(sizes[i][0], sizes[i][1], BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.drawImage(scene, 0, 0, sizes[i][0], sizes[i][1], null);
        g.dispose();
        List<Detection> direct = d.detect(img);
        try (dev.reparo.detect.PreparedImage prepared = d.prepare(img)) {
          assertEquals(sizes[i][0], prepared.letterbox().imageWidth());
          assertEquals(direct, d.detect(prepared));
          assertEquals(direct, d.detect(prepared), "a prepared image runs again unchanged");
          prepared.close();
          assertThrows(IllegalStateException.class, () -> d.detect(prepared));
        }  // closing twice is fine
        found += direct.size();
      }
      assertTrue(found >= 3, "the demo model finds objects in the scenes: " + found);
    }
  }

  @Test
  void detectorOpensOnnxConvertsOnceAndDetects(@TempDir Path dir) throws Exception {
    System.setProperty("reparo.cache", dir.toString());
    try {
      BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.GRAY);
      g.fillRect(0, 0, 640, 480);
      g.setColor(Color.RED);
      g.fillOval(100, 100, 120, 120);
      g.dispose();
      List<Detection> first;
      try (Detector d = Detector.open(FIXTURE.resolve("model.onnx"), options().confThreshold(0.3f).build())) {
        assertTrue(d.backendDescription().startsWith("ncnn "));
        first = d.detect(img);
        for (Detection det : first) {
          assertTrue(det.x1() >= 0 && det.x2() <= 640 && det.y1() >= 0 && det.y2() <= 480, det.toString());
        }
        for (int i = 1; i < first.size(); i++) {
          assertTrue(first.get(i - 1).score() >= first.get(i).score());
        }
        d.close();
        assertThrows(IllegalStateException.class, () -> d.detect(img));
      }
      Path models = dir.resolve("models");
      long entries;
      try (var s = Files.list(models)) {
        entries = s.filter(Files::isDirectory).filter(p -> !p.endsWith("auto-backend")).count();
      }
      assertEquals(1, entries, "one cache entry (beside auto-backend/, the measured thread count)");
      try (Detector again = Detector.open(FIXTURE.resolve("model.onnx"), options().confThreshold(0.3f).build())) {
        assertEquals(first, again.detect(img), "the cached model gives the same detections");
      }
      try (var s = Files.list(models)) {
        assertEquals(1, s.filter(Files::isDirectory).filter(p -> !p.endsWith("auto-backend")).count(), "second open reused the entry");
      }
    } finally {
      System.clearProperty("reparo.cache");
    }
  }

  @Test
  void nativeInputPathEqualsTheTensorPath(@TempDir Path cache) throws Exception {
    DeployedModel deployed = new ConversionCache(cache).deploy(FIXTURE.resolve("model.onnx"));
    DetectorOptions opts = options().threads(1).build();
    ModelMetadata meta = ModelMetadata.parse(deployed.metadata(), opts.metadataOverrides(), "fixture");
    byte[] bgr = new byte[500 * 300 * 3];
    new java.util.Random(3).nextBytes(bgr);
    ImageInput box = new ImagePreprocessing(meta.withInputSize(320, 320)).input(Letterbox.fixed(500, 300, 320, 320));
    try (LoadedModel m = Backends.find(BackendKind.NCNN).load(deployed, opts.loadOptions())) {
      List<Tensor> viaTensor = m.run(m.preprocess(java.nio.ByteBuffer.wrap(bgr), 500, 300, 1500, box));
      List<Tensor> direct = m.runImage(java.nio.ByteBuffer.wrap(bgr), 500, 300, 1500, box);
      for (int i = 0; i < viaTensor.size(); i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(viaTensor.get(i).data(), direct.get(i).data(), 0f);
      }
    }
  }
}
