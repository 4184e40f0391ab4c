package dev.reparo.eval;

/**
 * One row of the per-class table that {@code reparo eval} prints after the COCO summary, as
 * Ultralytics' {@code yolo val} does. Immutable and thread-safe.
 *
 * @param categoryId the dataset's category id
 * @param images images with at least one (non-crowd) box of this class
 * @param instances non-crowd boxes of this class
 * @param ap50 AP at IoU 0.50, -1 when the class has no boxes
 * @param ap AP at IoU 0.50:0.95, -1 when the class has no boxes
 */
public record ClassMetrics(long categoryId, String name, int images, int instances, double ap50, double ap) {}
