package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.backend.BackendKind;
import dev.reparo.detect.DetectionHead;
import dev.reparo.detect.DetectionMatching;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.HeadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models exported by their own tools (tools/real: Ultralytics' {@code yolo export}, YOLOv5's
 * {@code export.py}) open with nothing but the metadata their exporter wrote: the head is told from
 * the output shape, the class names come from the exporter's {@code names}. Ultralytics' decoded
 * anchor-free heads open with the decode cut off (yolov8-raw, strides in the metadata). Detections
 * through Reparo's ncnn model are compared, as matched sets, with ONNX Runtime running the file as
 * exported and decoded by the head of its own outputs (the decoded one).
 */
class RealExportsOnNcnnTest {
  static final List<String> SHAPES = List.of("circle", "square", "triangle", "ring", "cross", "star");

  @ParameterizedTest
  @CsvSource({
      "ultralytics_yolov8t-default-onnx18, yolov8-raw, 8",
      "ultralytics_yolov8t_repc3-default-onnx18, yolov8-raw, 0",
      "ultralytics_yolo11t-default-onnx18, yolov8-raw, 0",
      "ultralytics_yolo26t-default-onnx18, yolov8-raw, 0",
      "yolov5_export-default-onnx18, yolov5-decoded, 0"})
  void opensWithTheExportersMetadataAloneAndMatchesOnnxRuntime(String fixture, String head, int minMatched)
      throws Exception {
    Path model = Path.of(System.getProperty("reparo.fixtures"), fixture, "model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(model), "fixture not generated: " + model);
    float conf = 0.25f;
    int matched = 0;
    try (Detector d = Detector.open(model, DetectorOptions.builder().threads(1).confThreshold(conf)
            .backend(BackendKind.NCNN).build());
        OrtOracle oracle = new OrtOracle(model)) {
      assertEquals(head, d.head().kind().cliName(), d.headReason());
      assertEquals(SHAPES, d.metadata().names());
      assertEquals(List.of(), d.headWarnings(), "nothing had to be assumed");
      DetectionHead exported = d.head().kind() == HeadKind.ANCHOR_FREE_RAW
          ? DetectionHead.anchorFree(SHAPES.size()) : d.head();
      matched = oracle.assertSameDetections(d, exported, 4, new DetectionMatching.Tolerance(0.98f, 2e-3f, conf),
          fixture);
    }
    assertTrue(matched >= minMatched, fixture + ": " + matched + " detections matched");
  }
}
