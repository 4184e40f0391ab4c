package dev.reparo.detect;

/** Box arithmetic shared by decoding, NMS and evaluation. Stateless. */
final class Boxes {
  private Boxes() {}

  static float area(float x1, float y1, float x2, float y2) {
    return Math.max(0f, x2 - x1) * Math.max(0f, y2 - y1);
  }

  static float iou(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2) {
    float iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
    float ih = Math.min(ay2, by2) - Math.max(ay1, by1);
    if (iw <= 0 || ih <= 0) {
      return 0f;
    }
    float inter = iw * ih;
    float union = area(ax1, ay1, ax2, ay2) + area(bx1, by1, bx2, by2) - inter;
    return union <= 0 ? 0f : inter / union;
  }
}
