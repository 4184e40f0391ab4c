package dev.reparo.eval;

import dev.reparo.InvalidInputException;
import dev.reparo.data.LabeledDataset;
import dev.reparo.detect.DetectParams;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.image.ImageLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a detector over every image of a labelled dataset and scores the detections as COCO does.
 * The thresholds are the caller's {@link DetectParams}, or the detector's own; for mAP use
 * {@link #MAP_PARAMS}. Stateless and thread-safe.
 */
public final class DatasetEvaluator {
  /** Thresholds for mAP, as {@code reparo bench} scores: conf 0.001, NMS IoU 0.6, 100 per image. */
  public static final DetectParams MAP_PARAMS = new DetectParams(0.001f, 0.6f, 100, false, null);

  private DatasetEvaluator() {}

  /** {@link #detect(Detector, LabeledDataset, DetectParams, Runnable)} with the detector's own thresholds. */
  public static List<CocoEvaluator.Result> detect(Detector detector, LabeledDataset data, Runnable afterEachImage)
      throws IOException {
    return detect(detector, data, detector.options().params(), afterEachImage);
  }

  /** Detections of every image of {@code data} as COCO results, category ids by class name. */
  public static List<CocoEvaluator.Result> detect(Detector detector, LabeledDataset data, DetectParams params,
      Runnable afterEachImage) throws IOException {
    List<CocoEvaluator.Result> results = new ArrayList<>();
    for (LabeledDataset.Image img : data.images()) {
      if (!Files.isRegularFile(img.file())) {
        throw new InvalidInputException(img.file() + ": listed in " + data.source() + " but missing");
      }
      List<Detection> dets;
      try {
        dets = detector.detect(ImageLoader.read(img.file()), params);
      } catch (InvalidInputException e) {
        throw new InvalidInputException("cannot evaluate on " + img.file() + ": " + e.getMessage(), e);
      }
      for (Detection det : dets) {
        results.add(new CocoEvaluator.Result(img.id(), data.categoryIdOf(det.label()),
            new double[] {det.x1(), det.y1(), det.width(), det.height()}, det.score()));
      }
      afterEachImage.run();
    }
    return results;
  }

  /** {@link #detect} then {@link EvalReport#evaluate}, with the detector's own thresholds. */
  public static EvalReport evaluate(Detector detector, LabeledDataset data) throws IOException {
    return evaluate(detector, data, detector.options().params());
  }

  /** {@link #detect} then {@link EvalReport#evaluate}. */
  public static EvalReport evaluate(Detector detector, LabeledDataset data, DetectParams params) throws IOException {
    return EvalReport.evaluate(data, detect(detector, data, params, () -> {}));
  }
}
