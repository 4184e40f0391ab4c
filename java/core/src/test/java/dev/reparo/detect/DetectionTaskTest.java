package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.ImageInput;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pre- and post-processing without any backend: hand-made outputs of a decoded anchor-free head. */
class DetectionTaskTest {
  static final List<String> NAMES = List.of("cat", "dog", "bird");

  static ModelMetadata meta() {
    return new ModelMetadata(NAMES, new int[0], new float[0][][], 320, 320, 114f, 1f / 255, new float[] {0, 0, 0},
        new float[] {1, 1, 1}, true);
  }

  static DetectionTask task() {
    return new DetectionTask(meta(), DetectionHead.anchorFree(NAMES.size()));
  }

  /** {@code [1, 4+C, N]}: one column per box (cx, cy, w, h, then one score per class). */
  static Tensor output(float[][] boxes) {
    int rows = 4 + NAMES.size();
    float[] data = new float[rows * boxes.length];
    for (int n = 0; n < boxes.length; n++) {
      for (int r = 0; r < rows; r++) {
        data[r * boxes.length + n] = boxes[n][r];
      }
    }
    return Tensor.of(data, 1, rows, boxes.length);
  }

  /** Four separate boxes, scores 0.3 (cat), 0.5 (dog), 0.7 (cat), 0.9 (bird). */
  static List<Tensor> fourBoxes() {
    return List.of(output(new float[][] {
        {40, 40, 20, 20, 0.3f, 0, 0}, {120, 40, 20, 20, 0, 0.5f, 0},
        {200, 40, 20, 20, 0.7f, 0, 0}, {280, 40, 20, 20, 0, 0, 0.9f}}));
  }

  @Test
  void higherConfidenceKeepsExactlyTheDetectionsAboveIt() {
    DetectionTask task = task();
    Letterbox box = task.preprocessing().letterbox(320, 320);
    List<Detection> all = task.postprocess(fourBoxes(), box, DetectParams.DEFAULTS);
    List<Detection> sure = task.postprocess(fourBoxes(), box, DetectParams.DEFAULTS.withConf(0.6f));
    assertEquals(4, all.size());
    assertEquals(all.stream().filter(d -> d.score() > 0.6f).toList(), sure);
    assertEquals(List.of("bird", "cat"), sure.stream().map(Detection::label).toList());
  }

  @Test
  void classFilterMaxDetectionsAndAgnosticNmsApplyPerCall() {
    DetectionTask task = task();
    Letterbox box = task.preprocessing().letterbox(320, 320);
    assertEquals(List.of("cat", "cat"), task.postprocess(fourBoxes(), box, DetectParams.DEFAULTS.withClasses(0))
        .stream().map(Detection::label).toList());
    assertEquals(List.of(0.9f, 0.7f), task.postprocess(fourBoxes(), box, DetectParams.DEFAULTS.withMaxDetections(2))
        .stream().map(Detection::score).toList());
    // Two nearly equal boxes of different classes: class-aware NMS keeps both, agnostic NMS one.
    List<Tensor> overlap = List.of(output(new float[][] {{100, 100, 50, 50, 0.8f, 0, 0}, {102, 100, 50, 50, 0, 0.6f, 0}}));
    assertEquals(2, task.postprocess(overlap, box, DetectParams.DEFAULTS).size());
    List<Detection> agnostic = task.postprocess(overlap, box, DetectParams.DEFAULTS.withAgnostic(true));
    assertEquals(1, agnostic.size());
    assertEquals("cat", agnostic.get(0).label());
  }

  @Test
  void aClassTheModelLacksIsRefused() {
    DetectionTask task = task();
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> task.postprocess(fourBoxes(),
        task.preprocessing().letterbox(320, 320), DetectParams.DEFAULTS.withClasses(3)));
    assertTrue(e.getMessage().contains("class 3"), e.getMessage());
  }

  @Test
  void boxesComeBackInImagePixels() {
    DetectionTask task = task();
    Letterbox box = task.preprocessing().letterbox(640, 480); // scale 0.5, 40 px bars top and bottom
    Detection d = task.postprocess(List.of(output(new float[][] {{160, 160, 40, 20, 0.9f, 0, 0}})), box,
        DetectParams.DEFAULTS).get(0);
    assertArrayEquals(new float[] {280, 220, 360, 260}, new float[] {d.x1(), d.y1(), d.x2(), d.y2()}, 1e-4f);
  }

  @Test
  void preprocessingDescribesTheLetterboxInNeutralTerms() {
    ImagePreprocessing pre = task().preprocessing();
    ImageInput in = pre.input(pre.letterbox(640, 480));
    assertEquals(320, in.placement().inputWidth());
    assertEquals(240, in.placement().resizedHeight());
    assertEquals(40, in.placement().padTop());
    assertEquals(114f, in.fill());
    assertArrayEquals(new float[] {0, 0, 0}, in.mean());
    assertArrayEquals(new float[] {1f / 255, 1f / 255, 1f / 255}, in.norm(), 1e-9f);
    assertTrue(in.rgb());
  }

  static DeployedModel deployed(List<long[]> outputs, Map<String, String> metadata) {
    return new DeployedModel(Path.of("m"), "m.onnx", "", "images", new long[] {1, 3, 320, 320},
        outputs.stream().map(o -> "out").toList(), outputs, Map.of(), Map.of(), false, metadata);
  }

  @Test
  void forModelChoosesTheHeadFromShapesWithoutABackend() {
    DetectionTask task = DetectionTask.forModel(deployed(List.<long[]>of(new long[] {1, 7, 2100}),
        Map.of("names", "[\"cat\",\"dog\",\"bird\"]")), DetectorOptions.defaults());
    assertEquals(HeadKind.ANCHOR_FREE, task.head().kind());
    assertEquals(320, task.preprocessing().inputWidth());
  }

  @Test
  void aModelWithoutAKnownHeadStillPreprocesses() {
    DetectionTask task = DetectionTask.forModel(deployed(List.<long[]>of(new long[] {1, 2, 3, 4, 5}), Map.of()),
        DetectorOptions.defaults());
    assertEquals(320, task.preprocessing().letterbox(100, 50).inputHeight());
    assertThrows(ModelFormatException.class, task::head);
    assertThrows(ModelFormatException.class,
        () -> task.postprocess(List.of(), task.preprocessing().letterbox(100, 50), DetectParams.DEFAULTS));
  }

  @Test
  void aBadDefaultClassFilterFailsAtOpen() {
    DetectorOptions opts = DetectorOptions.builder().classes(5).build();
    assertThrows(InvalidInputException.class, () -> DetectionTask.forModel(deployed(
        List.<long[]>of(new long[] {1, 7, 2100}), Map.of("names", "[\"cat\",\"dog\",\"bird\"]")), opts));
  }
}
