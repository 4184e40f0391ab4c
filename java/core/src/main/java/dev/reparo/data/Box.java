package dev.reparo.data;

/**
 * An axis-aligned box in pixels: top-left corner {@code (x, y)}, width and height (COCO's
 * {@code [x, y, w, h]}).
 *
 * <p>Immutable and thread-safe.
 */
public record Box(double x, double y, double width, double height) {
  public Box {
    if (!(width >= 0) || !(height >= 0)) {
      throw new IllegalArgumentException("box size must be non-negative: " + width + "x" + height);
    }
  }

  public double right() {
    return x + width;
  }

  public double bottom() {
    return y + height;
  }

  public double area() {
    return width * height;
  }

  /** The area shared with {@code other}. */
  public double intersection(Box other) {
    double iw = Math.min(right(), other.right()) - Math.max(x, other.x);
    double ih = Math.min(bottom(), other.bottom()) - Math.max(y, other.y);
    return iw <= 0 || ih <= 0 ? 0 : iw * ih;
  }

  /** Intersection over union with {@code other}; 0 when they do not overlap. */
  public double iou(Box other) {
    double inter = intersection(other);
    return inter == 0 ? 0 : inter / (area() + other.area() - inter);
  }

  /** This box moved by {@code (dx, dy)}. */
  public Box translate(double dx, double dy) {
    return new Box(x + dx, y + dy, width, height);
  }
}
