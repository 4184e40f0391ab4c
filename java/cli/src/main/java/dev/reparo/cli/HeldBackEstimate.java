package dev.reparo.cli;

import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.eval.CocoMetrics;
import dev.reparo.eval.DetectionAgreement;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The accuracy estimate {@code reparo calibrate} prints: the int8 model's detections scored, as
 * {@code reparo eval} scores them (conf 0.001, NMS IoU 0.6, at most 100), against the FP32 model's
 * detections at detect's default confidence (0.25) taken as the labels ({@link DetectionAgreement}),
 * on images the calibration did not use. Stateless.
 */
final class HeldBackEstimate {
  /** FP32 detections at or above this score are the labels (detect's default confidence). */
  static final float LABEL_CONF = 0.25f;

  /** @param map agreement mAP@0.5:0.95 of int8 with FP32; {@code labels} FP32 boxes used */
  record Result(double map, double map50, int images, int labels) {}

  /**
   * Points of labelled mAP@0.5:0.95 lost per point of agreement mAP@0.5:0.95 lost, measured on the
   * demo model (benchmarks/README.md, "INT8: calibration defaults": ratio of the labelled drop on
   * the validation sets to {@code 1 - agreement} on the held-back images, over the methods). The
   * agreement is much stricter than labels: at IoU 0.95 against FP32's own boxes any small shift
   * of a box counts as a miss, while against real labels FP32's boxes are already that far off.
   */
  static final double DROP_PER_AGREEMENT_POINT = 0.14;
  static final String EXPECTED_DROP_BASIS = "0.14 x the agreement's shortfall, the ratio measured on Reparo's demo"
      + " model; another model may differ";

  /** The labelled mAP@0.5:0.95 drop, in points, that this agreement predicts. */
  static double expectedDrop(Result r) {
    return (1 - r.map()) * 100 * DROP_PER_AGREEMENT_POINT;
  }

  private HeldBackEstimate() {}

  private static BufferedImage read(Path image) {
    try {
      return ImageLoader.read(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Result measure(Path fp32, Path int8, List<Path> images, DetectorOptions base) {
    DetectorOptions opts = base.toBuilder().backend(dev.reparo.backend.BackendKind.NCNN).confThreshold(0.001f)
        .iouThreshold(0.6f).maxDetections(100).build();
    List<List<Detection>> ref = new ArrayList<>();
    List<List<Detection>> got = new ArrayList<>();
    try (Detector a = Detector.open(fp32, opts); Detector b = Detector.open(int8, opts)) {
      for (Path image : images) {
        BufferedImage decoded = read(image); // once for both models
        ref.add(a.detect(decoded));
        got.add(b.detect(decoded));
      }
    }
    CocoMetrics m = DetectionAgreement.score(ref, got, LABEL_CONF);
    return m == null ? new Result(Double.NaN, Double.NaN, images.size(), 0)
        : new Result(m.map(), m.map50(), images.size(), DetectionAgreement.labels(ref, LABEL_CONF));
  }
}
