package dev.reparo.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ModelLocator;
import dev.reparo.data.SceneGenerator;
import dev.reparo.detect.Detection;
import dev.reparo.detect.DetectionMatching;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.Onnx;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * detectBatch on ONNX Runtime: N letterboxed images in one [N, 3, H, W] run give the detections
 * that one run per image gives. No fixture declares a batch other than 1, so the trained demo
 * model's input (and outputs) are rewritten here to a dynamic batch, or a fixed batch of 4; ONNX
 * Runtime itself is the oracle that the graph computes each image of a batch as it computes it
 * alone (no Reshape in it pins the batch).
 */
class DetectBatchOnOnnxRuntimeTest {
  private static final Path DEMO = Path.of(System.getProperty("reparo.demo.model"));
  private static final float CONF = 0.25f;

  /** The demo model with its first input and output dimension {@code batch} (a name, or a size). */
  static Path withBatch(Path dir, Dim batch) {
    Graph g = Onnx.read(DEMO);
    List<ValueInfo> inputs = new ArrayList<>();
    for (ValueInfo v : g.inputs()) {
      inputs.add(withFirst(v, batch));
    }
    g.setInputs(inputs);
    List<ValueInfo> outputs = new ArrayList<>();
    for (ValueInfo v : g.outputs()) {
      outputs.add(withFirst(v, batch));
    }
    g.setOutputs(outputs);
    g.clearValueInfo(); // intermediate shapes recorded with a batch of 1
    Path out = dir.resolve("demo-batch-" + batch + ".onnx");
    Onnx.write(g, out);
    return out;
  }

  private static ValueInfo withFirst(ValueInfo v, Dim batch) {
    List<Dim> dims = new ArrayList<>(v.shape().dims());
    dims.set(0, batch);
    return v.withShape(Shape.of(dims));
  }

  static List<BufferedImage> scenes(int n) {
    SceneGenerator gen = new SceneGenerator(21);
    List<BufferedImage> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      images.add(gen.generate(i).image()); // 320..640 px a side, each its own size and letterbox
    }
    return images;
  }

  static Detector open(Path model) {
    return Detector.open(model, DetectorOptions.builder().threads(1).confThreshold(CONF)
        .backend(BackendKind.ONNXRUNTIME).build());
  }

  /** detectBatch against detect, image by image: same classes, IoU ≥ 0.999, scores within 1e-4. */
  static int assertSameAsSingle(Detector d, List<BufferedImage> images) {
    List<List<Detection>> batched = d.detectBatch(images);
    assertEquals(images.size(), batched.size());
    int found = 0;
    for (int i = 0; i < images.size(); i++) {
      DetectionMatching.Result r = DetectionMatching.compare(d.detect(images.get(i)), batched.get(i),
          new DetectionMatching.Tolerance(0.999f, 1e-4f, CONF));
      assertTrue(r.same(), "image " + i + ": " + r.describe());
      found += r.matched().size();
    }
    return found;
  }

  @Test
  void aDynamicBatchRunsImagesTogetherWithTheDetectionsOfSingleRuns(@TempDir Path dir) throws Exception {
    Path model = withBatch(dir, Dim.symbolic("batch"));
    DeployedModel deployed = ModelLocator.locate(model);
    assertEquals(-1, deployed.inputShape()[0], "the converted model keeps the dynamic batch");

    // The oracle: ONNX Runtime runs the rewritten graph at batch 4 and gets, for every image, the
    // outputs of a batch-1 run of it.
    List<BufferedImage> images = scenes(7);
    try (Detector d = open(model); LoadedModel loaded = new OnnxRuntimeBackend().load(deployed, LoadOptions.defaults())) {
      assertEquals(OnnxRuntimeModel.DYNAMIC_BATCH, loaded.maxBatch());
      assertEquals(OnnxRuntimeModel.DYNAMIC_BATCH, d.maxBatch());
      List<Tensor> inputs = new ArrayList<>();
      for (BufferedImage img : images.subList(0, 4)) {
        inputs.add(d.preprocess(img));
      }
      List<List<Tensor>> batched = loaded.runBatch(inputs);
      float worst = 0;
      for (int i = 0; i < inputs.size(); i++) {
        List<Tensor> single = loaded.run(inputs.get(i));
        assertEquals(single.size(), batched.get(i).size());
        for (int o = 0; o < single.size(); o++) {
          assertArrayEquals(single.get(o).shape(), batched.get(i).get(o).shape());
          float[] a = single.get(o).data();
          float[] b = batched.get(i).get(o).data();
          for (int k = 0; k < a.length; k++) {
            worst = Math.max(worst, Math.abs(a[k] - b[k]));
          }
        }
      }
      System.out.println("batch-4 vs single outputs, max |diff|: " + worst);
      assertTrue(worst < 1e-4f, "batched outputs equal single ones: max |diff| " + worst);
      // The batch is not a copy of one image: the first two images' outputs differ.
      assertFalse(java.util.Arrays.equals(batched.get(0).get(0).data(), batched.get(1).get(0).data()));

      int found = assertSameAsSingle(d, images);
      assertTrue(found >= 10, "the demo model finds the generated shapes: " + found);
      System.out.println("detectBatch of 7 (one run of 7) = detect one by one: " + found + " detections matched");
      timing(d, images.subList(0, 4));
    }
  }

  /**
   * Batch 4 vs 4 single runs of the same images: medians of 15 alternating rounds after 3 warm-up
   * rounds (printed, not asserted: the test machines' CPUs are shared).
   */
  private static void timing(Detector d, List<BufferedImage> four) {
    int rounds = 15;
    long[] batch = new long[rounds];
    long[] single = new long[rounds];
    for (int round = -3; round < rounds; round++) {
      long t0 = System.nanoTime();
      d.detectBatch(four);
      long t1 = System.nanoTime();
      for (BufferedImage img : four) {
        d.detect(img);
      }
      long t2 = System.nanoTime();
      if (round >= 0) {
        batch[round] = t1 - t0;
        single[round] = t2 - t1;
      }
    }
    java.util.Arrays.sort(batch);
    java.util.Arrays.sort(single);
    System.out.printf("ORT demo model, 1 thread: detectBatch(4) %.1f ms, 4 x detect %.1f ms (medians of %d;"
        + " min %.1f / %.1f)%n", batch[rounds / 2] / 1e6, single[rounds / 2] / 1e6, rounds, batch[0] / 1e6,
        single[0] / 1e6);
  }

  /**
   * Conversion pins the dynamic batch to 1 for its passes and ncnn, and gives it back to the fused
   * ONNX only: ncnn runs the same model, with ONNX Runtime's detections.
   */
  @Test
  void theConvertedModelKeepsItsDynamicBatchInTheFusedOnnxAndStillRunsOnNcnn(@TempDir Path dir) throws Exception {
    Path model = withBatch(dir, Dim.symbolic("batch"));
    DeployedModel deployed = ModelLocator.locate(model);
    Graph fused = Onnx.read(deployed.file(dev.reparo.backend.Artefact.ONNX));
    assertEquals(Dim.symbolic("batch"), fused.inputs().get(0).shape().dim(0));
    for (ValueInfo o : fused.outputs()) {
      assertEquals(Dim.symbolic("batch"), o.shape().dim(0), o.name());
    }
    assertTrue(fused.valueInfos().isEmpty(), "no intermediate shape pinned to a batch of 1");
    List<BufferedImage> images = scenes(3);
    try (Detector ort = open(model);
        Detector ncnn = Detector.open(model, DetectorOptions.builder().threads(1).confThreshold(CONF)
            .backend(BackendKind.NCNN).build())) {
      assertEquals(1, ncnn.maxBatch(), "ncnn has no batch axis");
      List<List<Detection>> batched = ort.detectBatch(images);
      List<List<Detection>> onNcnn = ncnn.detectBatch(images);
      for (int i = 0; i < images.size(); i++) {
        DetectionMatching.Result r = DetectionMatching.compare(onNcnn.get(i), batched.get(i),
            new DetectionMatching.Tolerance(0.99f, 1e-3f, CONF));
        assertTrue(r.same(), "image " + i + ": " + r.describe());
      }
    }
  }

  /**
   * A graph that declares a dynamic batch but cannot run one (a Reshape to a constant shape with a
   * batch of 1, as in this decoded head's reshape to [1, 3, 5 + classes, H, W]): the batched run fails, and the images run one
   * at a time from then on, with the detections of detect.
   */
  @Test
  void aBatchTheGraphCannotRunFallsBackToOneImageAtATime(@TempDir Path dir) throws Exception {
    Graph g = Onnx.read(DetectorOnOnnxRuntimeTest.FIXTURES.resolve("yolov5lite_e-default-torchscript11-decoded/model.onnx"));
    g.setInputs(List.of(withFirst(g.inputs().get(0), Dim.symbolic("batch"))));
    Path model = dir.resolve("pinned-reshape.onnx");
    Onnx.write(g, model);
    List<BufferedImage> images = List.of(DetectorOnOnnxRuntimeTest.scene(640, 480),
        DetectorOnOnnxRuntimeTest.scene(400, 400), DetectorOnOnnxRuntimeTest.scene(320, 480));
    try (Detector d = Detector.open(model, DetectorOnOnnxRuntimeTest.options().backend(BackendKind.ONNXRUNTIME).build())) {
      assertEquals(OnnxRuntimeModel.DYNAMIC_BATCH, d.maxBatch(), "declared dynamic: batching is tried");
      List<List<Detection>> batched = d.detectBatch(images);
      assertEquals(1, d.maxBatch(), "after the failed batch, one image at a time");
      for (int i = 0; i < images.size(); i++) {
        assertEquals(d.detect(images.get(i)), batched.get(i), "image " + i);
      }
      assertFalse(batched.get(0).isEmpty(), "the random-weight head still yields boxes at conf 0.3");
    }
  }

  @Test
  void aModelDeclaringABatchOfOneRunsImagesOneByOne() {
    try (Detector d = open(DEMO)) {
      assertEquals(1, d.maxBatch());
      int found = assertSameAsSingle(d, scenes(3));
      assertTrue(found >= 3, "found: " + found);
    }
  }

  @Test
  void anInputOfAnotherShapeIsRefusedByName(@TempDir Path dir) throws Exception {
    DeployedModel deployed = ModelLocator.locate(withBatch(dir, Dim.symbolic("batch")));
    try (LoadedModel loaded = new OnnxRuntimeBackend().load(deployed, LoadOptions.defaults())) {
      Tensor good = Tensor.zeros(1, 3, 320, 320);
      Tensor wrong = Tensor.zeros(1, 3, 320, 288);
      String m = org.junit.jupiter.api.Assertions.assertThrows(dev.reparo.InvalidInputException.class,
          () -> loaded.runBatch(List.of(good, wrong))).getMessage();
      assertTrue(m.contains("is declared [-1, 3, 320, 320]"), m);
      m = org.junit.jupiter.api.Assertions.assertThrows(dev.reparo.InvalidInputException.class,
          () -> loaded.runBatch(List.of(good, Tensor.zeros(2, 3, 320, 320)))).getMessage();
      assertTrue(m.contains("must have a batch of 1"), m);
    }
  }
}
