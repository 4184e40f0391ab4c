package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.List;

/**
 * YOLOv5's decoded output {@code [1, N, 5+C]}: rows of cx, cy, w, h (input pixels), objectness and
 * class probabilities. Rows are filtered on objectness first: score = obj·p ≤ obj.
 */
final class DecodedAnchorHead extends DetectionHead {
  DecodedAnchorHead(int numClasses) {
    super(numClasses);
  }

  @Override
  public HeadKind kind() {
    return HeadKind.YOLOV5_DECODED;
  }

  @Override
  Candidates decode(List<Tensor> outputs, float conf, boolean[] allowed) {
    int nc = numClasses();
    int no = 5 + nc;
    int[] shape = onlyShape(outputs);
    if (shape.length != 3 || shape[0] != 1 || shape[2] != no) {
      throw new InvalidInputException("decoded output has shape " + describe(outputs)
          + ", expected one [1, N, " + no + "] for " + nc + " classes");
    }
    float[] d = outputs.get(0).data();
    Candidates out = new Candidates();
    for (int r = 0, off = 0; r < shape[1]; r++, off += no) {
      float obj = d[off + 4];
      if (!(obj > conf)) {
        continue;
      }
      int best = -1;
      float bestP = Float.NEGATIVE_INFINITY;
      for (int k = 0; k < nc; k++) {
        float p = d[off + 5 + k];
        if (p > bestP && (allowed == null || allowed[k])) {
          bestP = p;
          best = k;
        }
      }
      float score = obj * bestP;
      if (best < 0 || !(score > conf)) {
        continue;
      }
      float cx = d[off];
      float cy = d[off + 1];
      float hw = d[off + 2] / 2;
      float hh = d[off + 3] / 2;
      out.add(cx - hw, cy - hh, cx + hw, cy + hh, score, best);
    }
    return out;
  }
}
