package dev.reparo.detect;

import java.util.Objects;

/**
 * One detected object: an axis-aligned box in pixels of the image that was passed in (corners
 * {@code x1,y1} inclusive-top-left and {@code x2,y2} bottom-right), the score (objectness times
 * class probability), the class id and its label. Immutable and thread-safe.
 */
public record Detection(float x1, float y1, float x2, float y2, float score, int classId, String label) {
  public Detection {
    Objects.requireNonNull(label, "label");
  }

  public float width() {
    return x2 - x1;
  }

  public float height() {
    return y2 - y1;
  }

  /** Intersection over union with {@code other}; 0 when either box is empty. */
  public float iou(Detection other) {
    return Boxes.iou(x1, y1, x2, y2, other.x1, other.y1, other.x2, other.y2);
  }

  @Override
  public String toString() {
    return String.format("%s %.3f [%.1f, %.1f, %.1f, %.1f]", label, score, x1, y1, x2, y2);
  }
}
