package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Ultralytics' decoded anchor-free output {@code [1, 4+C, N]} (YOLOv8, YOLO11 {@code yolo export}):
 * channel-major rows of cx, cy, w, h in input pixels, then one already-sigmoid score per class; no
 * objectness. Scores are scanned class by class along contiguous rows, boxes read only for anchors
 * whose best score passes.
 */
final class AnchorFreeHead extends DetectionHead {
  AnchorFreeHead(int numClasses) {
    super(numClasses);
  }

  @Override
  public HeadKind kind() {
    return HeadKind.ANCHOR_FREE;
  }

  @Override
  Candidates decode(List<Tensor> outputs, float conf, boolean[] allowed) {
    int nc = numClasses();
    int[] shape = onlyShape(outputs);
    if (shape.length != 3 || shape[0] != 1 || shape[1] != 4 + nc) {
      throw new InvalidInputException("anchor-free output has shape " + describe(outputs)
          + ", expected one [1, " + (4 + nc) + ", N] for " + nc + " classes");
    }
    int n = shape[2];
    float[] d = outputs.get(0).data();
    float[] best = new float[n];
    int[] bestClass = new int[n];
    Arrays.fill(best, Float.NEGATIVE_INFINITY);
    Arrays.fill(bestClass, -1);
    for (int k = 0; k < nc; k++) {
      if (allowed != null && !allowed[k]) {
        continue;
      }
      int row = (4 + k) * n;
      for (int a = 0; a < n; a++) {
        float p = d[row + a];
        if (p > best[a]) {
          best[a] = p;
          bestClass[a] = k;
        }
      }
    }
    Candidates out = new Candidates();
    for (int a = 0; a < n; a++) {
      if (bestClass[a] < 0 || !(best[a] > conf)) {
        continue;
      }
      float cx = d[a];
      float cy = d[n + a];
      float hw = d[2 * n + a] / 2;
      float hh = d[3 * n + a] / 2;
      out.add(cx - hw, cy - hh, cx + hw, cy + hh, best[a], bestClass[a]);
    }
    return out;
  }
}
