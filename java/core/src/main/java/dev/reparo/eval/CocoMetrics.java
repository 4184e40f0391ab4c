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
    int k = categoryIds.indexOf(categoryId);
    if (k < 0) {
      throw new IllegalArgumentException("category " + categoryId + " was not evaluated");
    }
    double sum = 0;
    int n = 0;
    for (double[][][][] t : precision) {
      for (double[][][] r : t) {
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
