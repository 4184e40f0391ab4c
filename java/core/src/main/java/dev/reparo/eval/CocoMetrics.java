package dev.reparo.eval;

import java.util.List;

/**
 * The result of a COCO bbox evaluation: the twelve summary numbers in pycocotools' order, and AP
 * per category. Immutable by contract (arrays are not copied on access; do not change them).
 */
public record CocoMetrics(double[] stats, List<Long> categoryIds, double[][][][][] precision) {
  private static final String[] LINES = {
      "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
      "Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]",
      "Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]",
      "Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
      "Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
      "Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
      "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
      "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
      "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
      "Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
      "Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
      "Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]"};

  /** AP@[.5:.95], the headline COCO number. */
  public double map() {
    return stats[0];
  }

  /** AP@0.5. */
  public double map50() {
    return stats[1];
  }

  /** AP@[.5:.95] of one category (all areas, 100 detections), or -1 if it has no ground truth. */
  public double categoryAp(long categoryId) {
    return categoryMean(categoryIndex(categoryId), 0, precision.length);
  }

  /** AP@0.5 of one category (all areas, 100 detections), or -1 if it has no ground truth. */
  public double categoryAp50(long categoryId) {
    return categoryMean(categoryIndex(categoryId), 0, 1);
  }

  /**
   * The precision-recall curve of one category at IoU 0.50 (all areas, 100 detections): the
   * interpolated precision at recall 0, 0.01, ..., 1 (101 values, pycocotools' {@code
   * precision[0, :, k, 0, 2]}); all -1 if the category has no ground truth. A fresh array.
   */
  public double[] precisionCurve50(long categoryId) {
    int k = categoryIndex(categoryId);
    double[] curve = new double[precision[0].length];
    for (int r = 0; r < curve.length; r++) {
      curve[r] = precision[0][r][k][0][2];
    }
    return curve;
  }

  private int categoryIndex(long categoryId) {
    int k = categoryIds.indexOf(categoryId);
    if (k < 0) {
      throw new IllegalArgumentException("category " + categoryId + " was not evaluated");
    }
    return k;
  }

  /** Mean of the defined precisions of category {@code k} over IoU indices [from, to). */
  private double categoryMean(int k, int from, int to) {
    double sum = 0;
    int n = 0;
    for (int t = from; t < to; t++) {
      for (double[][][] r : precision[t]) {
        double v = r[k][0][2];
        if (v > -1) {
          sum += v;
          n++;
        }
      }
    }
    return n == 0 ? -1 : sum / n;
  }

  /** The twelve lines pycocotools' {@code summarize()} prints. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < LINES.length; i++) {
      sb.append(' ').append(LINES[i]).append(String.format(" = %.3f%n", stats[i]));
    }
    return sb.toString();
  }
}
