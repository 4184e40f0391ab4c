package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ModelConverter;
import dev.reparo.detect.Detection;
import dev.reparo.detect.DetectionHead;
import dev.reparo.detect.DetectionMatching;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.HeadKind;
import dev.reparo.detect.Letterbox;
import dev.reparo.detect.PostProcessor;
import dev.reparo.format.npy.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Detection with the decode cut off an Ultralytics head gives the detections of the model as
 * exported. Oracle: ONNX Runtime runs the exporter's file (decoded output {@code [1, 4+C, N]}) and
 * Reparo's decoded-head post-processing turns it into detections; against it, Reparo's conversion
 * with the raw head runs on ncnn and {@code AnchorFreeRawHead} decodes only the cells above the
 * threshold. Same input (the fixture's), several thresholds; boxes, classes and scores must agree.
 */
class RawHeadCutOnNcnnTest {
  static final DetectionMatching.Tolerance SAME = new DetectionMatching.Tolerance(0.999f, 1e-4f, 0);
  static final float IOU = 0.45f;
  /** No cap on the number of detections. */
  static final int ALL = 1_000_000;

  /** Asserts the two lists the same (IoU ≥ 0.999, same classes, scores within 1e-4); returns the pairs. */
  static int assertSame(List<Detection> want, List<Detection> got, float conf, String what) {
    DetectionMatching.Result r = DetectionMatching.compare(want, got,
        new DetectionMatching.Tolerance(SAME.minIou(), SAME.scoreTolerance(), conf));
    assertTrue(r.same(), what + " at conf " + conf + ": " + r.describe());
    System.out.printf("%s at conf %.3f: %d, %d matched, %d borderline%n", what, conf, want.size(),
        r.matched().size(), r.borderline().size());
    return r.matched().size();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ultralytics_yolov8t-default-onnx18", "ultralytics_yolov8t_repc3-default-onnx18",
      "ultralytics_yolo11t-default-onnx18", "ultralytics_yolo26t-default-onnx18"})
  void cutModelOnNcnnDetectsWhatTheDecodedExportDoesOnOnnxRuntime(String fixture, @TempDir Path dir)
      throws Exception {
    Path fixtureDir = Path.of(System.getProperty("reparo.fixtures"), fixture);
    Path model = fixtureDir.resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(model), "fixture not generated: " + model);
    Tensor input = Npy.read(fixtureDir.resolve("input.npy"));

    ModelConverter.Result converted = ModelConverter.convert(model, dir, false, true, true);
    assertTrue(converted.rawHead().cut(), fixture + ": " + converted.rawHead().refusal());
    DetectionTask task = DetectionTask.forModel(converted.model(), DetectorOptions.defaults());
    assertEquals(HeadKind.ANCHOR_FREE_RAW, task.head().kind(), task.headReason());
    List<String> names = task.metadata().names();
    PostProcessor raw = new PostProcessor(task.head(), names);
    PostProcessor decoded = new PostProcessor(DetectionHead.anchorFree(names.size()), names);
    Letterbox identity = Letterbox.fixed(input.dim(3), input.dim(2), input.dim(3), input.dim(2));

    List<Tensor> ncnnOutputs;
    try (LoadedModel ncnn = Backends.find(BackendKind.NCNN).load(converted.model(),
        LoadOptions.defaults().withThreads(1))) {
      ncnnOutputs = ncnn.run(input);
    }
    List<Tensor> ortOutputs;
    try (OrtOracle ort = new OrtOracle(model)) {
      ortOutputs = ort.run(input);
    }
    int matched = 0;
    // The fixtures' small models score the fixture input low: 0.001 and 0.01 reach their detections
    // (and many candidates), 0.25 and 0.5 are the thresholds detection runs at.
    for (float conf : new float[] {0.001f, 0.01f, 0.25f, 0.5f}) {
      // Every candidate above the threshold (IoU threshold 1: NMS suppresses nothing): the decode itself.
      matched += assertSame(decoded.process(ortOutputs, identity, conf, 1f, ALL, false, null),
          raw.process(ncnnOutputs, identity, conf, 1f, ALL, false, null), conf, fixture + " candidates");
      if (conf >= 0.25f) {
        // And after NMS. (At the low thresholds near-equal scores of overlapping boxes, e.g. 0.00204
        // for every cell of a barely trained class, let rounding decide which box NMS keeps.)
        matched += assertSame(decoded.process(ortOutputs, identity, conf, IOU, 300, false, null),
            raw.process(ncnnOutputs, identity, conf, IOU, 300, false, null), conf, fixture + " detections");
      }
    }
    assertTrue(matched > 0, fixture + ": some detections to compare");
  }
}
