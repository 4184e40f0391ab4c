package dev.reparo.detect;

import java.util.Arrays;

/**
 * Greedy non-maximum suppression, class-aware by default: in descending score order a box is kept
 * unless it overlaps an already kept box of the same class (any class when agnostic) by more than
 * the IoU threshold. Each box is compared only with the boxes kept so far, never with the whole
 * list, and the scan stops once {@code maxDetections} are kept. Stateless and thread-safe.
 */
final class Nms {
  private Nms() {}

  /**
   * @return indices into {@code c} of the kept boxes, highest score first
   */
  static int[] run(Candidates c, float iouThreshold, int maxDetections, boolean agnostic) {
    int n = c.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // Stable sort: equal scores keep decoding order, so results are deterministic.
    Arrays.sort(order, (a, b) -> Float.compare(c.score[b], c.score[a]));
    int[] kept = new int[Math.min(n, maxDetections)];
    float[] keptArea = new float[kept.length];
    int count = 0;
    for (int k = 0; k < n && count < kept.length; k++) {
      int i = order[k];
      float area = Boxes.area(c.x1[i], c.y1[i], c.x2[i], c.y2[i]);
      boolean suppressed = false;
      for (int m = 0; m < count; m++) {
        int j = kept[m];
        if (!agnostic && c.classId[j] != c.classId[i]) {
          continue;
        }
        float iw = Math.min(c.x2[i], c.x2[j]) - Math.max(c.x1[i], c.x1[j]);
        float ih = Math.min(c.y2[i], c.y2[j]) - Math.max(c.y1[i], c.y1[j]);
        if (iw <= 0 || ih <= 0) {
          continue;
        }
        float inter = iw * ih;
        if (inter > iouThreshold * (area + keptArea[m] - inter)) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) {
        kept[count] = i;
        keptArea[count] = area;
        count++;
      }
    }
    return Arrays.copyOf(kept, count);
  }
}
