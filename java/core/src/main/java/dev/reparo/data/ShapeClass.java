package dev.reparo.data;

/**
 * The six object classes of the synthetic dataset, in class-index order. The index is the model's
 * class index and the COCO {@code category_id}.
 *
 * <p>Immutable and thread-safe.
 */
public enum ShapeClass {
  /** Filled disk. */
  CIRCLE("circle"),
  /** Filled square rotated 0–45°. */
  SQUARE("square"),
  /** Filled equilateral triangle, any rotation. */
  TRIANGLE("triangle"),
  /** Annulus, inner radius 0.5–0.7 of the outer radius. */
  RING("ring"),
  /** Axis-aligned plus sign, arm width 0.3 of its size. */
  CROSS("cross"),
  /** Filled five-pointed star, any rotation. */
  STAR("star");

  private final String label;

  ShapeClass(String label) {
    this.label = label;
  }

  /** The class name used in annotations and model metadata ("circle", "square", ...). */
  public String label() {
    return label;
  }

  /** The class index, 0 to 5. */
  public int index() {
    return ordinal();
  }
}
