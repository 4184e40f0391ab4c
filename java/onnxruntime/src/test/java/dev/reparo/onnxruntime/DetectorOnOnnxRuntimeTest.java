package dev.reparo.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.detect.DetectionMatching;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole detector on ONNX Runtime against the same detector on ncnn (converted from the same
 * fused graph, pre-processed by the same native letterbox): the same detections.
 */
class DetectorOnOnnxRuntimeTest {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));

  static DetectorOptions.Builder options() {
    return DetectorOptions.builder().threads(1).confThreshold(0.3f)
        .metadata("names", "[\"circle\",\"square\",\"triangle\",\"ring\",\"cross\",\"star\"]")
        .metadata("strides", "[8,16,32]")
        .metadata("anchors", "[[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]]")
        .metadata("input_size", "320");
  }

  static BufferedImage scene(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setPaint(new GradientPaint(0, 0, Color.DARK_GRAY, w, h, Color.LIGHT_GRAY));
    g.fillRect(0, 0, w, h);
    g.setColor(Color.RED);
    g.fillOval(w / 6, h / 5, w / 5, w / 5);
    g.setColor(Color.BLUE);
    g.fillRect(w / 2, h / 2, w / 4, h / 3);
    g.dispose();
    return img;
  }

  @Test
  void preprocessesWithNcnnsNativeLetterboxWhenItIsOnTheClassPath() {
    // ncnn is on this module's test class path: ONNX Runtime models letterbox with it (0.5 ms for a
    // 640x480 frame) rather than with their ONNX graph (13.9 ms), and get ncnn's tensor bit for bit.
    assertTrue(dev.reparo.backend.NativeLetterbox.find().isPresent());
    Path model = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw").resolve("model.onnx");
    BufferedImage img = scene(640, 480);
    Tensor viaOrt;
    Tensor viaNcnn;
    try (Detector d = Detector.open(model, options().backend(BackendKind.ONNXRUNTIME).build())) {
      viaOrt = d.preprocess(img);
    }
    try (Detector d = Detector.open(model, options().backend(BackendKind.NCNN).build())) {
      viaNcnn = d.preprocess(img);
    }
    assertArrayEquals(viaNcnn.shape(), viaOrt.shape());
    assertArrayEquals(viaNcnn.data(), viaOrt.data());
  }

  /**
   * The trained demo model (its detections are well separated; the random-weight fixtures put
   * thousands of near-equal scores through NMS, where the kept box turns on rounding) on both CPU
   * backends, matched as sets: same classes, IoU ≥ 0.99, scores within 1e-3 — the two backends
   * sum in different orders, and their outputs agree to ~1e-5.
   */
  @Test
  void sameDetectionsAsNcnn() {
    Path model = Path.of(System.getProperty("reparo.demo.model"));
    float conf = 0.25f;
    dev.reparo.data.SceneGenerator scenes = new dev.reparo.data.SceneGenerator(5);
    int matched = 0;
    try (Detector ncnn = Detector.open(model, DetectorOptions.builder().threads(1).confThreshold(conf)
            .backend(BackendKind.NCNN).build());
        Detector ort = Detector.open(model, DetectorOptions.builder().threads(1).confThreshold(conf)
            .backend(BackendKind.ONNXRUNTIME).build())) {
      assertTrue(ort.backendDescription().startsWith("onnxruntime "), ort.backendDescription());
      for (int i = 0; i < 4; i++) {
        BufferedImage img = scenes.generate(i).image();
        DetectionMatching.Result r = DetectionMatching.compare(ncnn.detect(img), ort.detect(img),
            new DetectionMatching.Tolerance(0.99f, 1e-3f, conf));
        assertTrue(r.same(), "scene " + i + ": " + r.describe());
        matched += r.matched().size();
      }
    }
    assertTrue(matched >= 8, "the demo model finds the generated shapes: " + matched + " detections");
  }

  @Test
  void autoProbesBothCpuBackendsThenReusesItsChoice() throws Exception {
    Path model = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw").resolve("model.onnx");
    Path choices = dev.reparo.convert.ConversionCache.standard().root().resolve("auto-backend");
    String first;
    try (Detector d = Detector.open(model, options().backend(BackendKind.AUTO).build())) {
      first = d.backendDescription();
      assertTrue(d.backendReason().contains("was fastest") || d.backendReason().contains("cached choice"),
          d.backendReason());
      assertTrue(d.backendReason().contains("ncnn") && d.backendReason().contains("onnxruntime"), d.backendReason());
      assertFalse(d.detect(scene(320, 240)).isEmpty());
    }
    assertTrue(java.nio.file.Files.list(choices).anyMatch(p -> p.toString().endsWith(".json")));
    try (Detector d = Detector.open(model, options().backend(BackendKind.AUTO).build())) {
      assertTrue(d.backendReason().startsWith("AUTO: cached choice"), d.backendReason());
      assertEquals(first, d.backendDescription());
    }
  }
}
