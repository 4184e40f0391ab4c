package dev.reparo.eval;

import java.util.Map;

/**
 * COCO box metrics: mean average precision over IoU thresholds 0.50:0.05:0.95 ("mAP@0.5:0.95"),
 * at IoU 0.50 and 0.75, and per category. A category without ground truth has AP -1 and is left
 * out of the means (as pycocotools does).
 *
 * <p>Immutable and thread-safe.
 */
public record CocoMetrics(double map50To95, double map50, double map75,
    Map<Integer, ClassAp> perCategory) {
  public CocoMetrics {
    perCategory = Map.copyOf(perCategory);
  }

  /** AP of one category, averaged over the ten IoU thresholds and at IoU 0.5. */
  public record ClassAp(double ap50To95, double ap50, int groundTruths, int detections) {}
}
