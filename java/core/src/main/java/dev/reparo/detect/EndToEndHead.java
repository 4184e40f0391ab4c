package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.List;

/**
 * NMS-free output {@code [1, K, 6]}: rows of x1, y1, x2, y2 (input pixels), score, class id, as
 * Ultralytics' end-to-end heads (YOLO26, YOLOv10) export them. The network already chose its K
 * boxes; only the score threshold and the class filter apply.
 */
final class EndToEndHead extends DetectionHead {
  EndToEndHead(int numClasses) {
    super(numClasses);
  }

  @Override
  public HeadKind kind() {
    return HeadKind.END_TO_END;
  }

  @Override
  public boolean needsNms() {
    return false;
  }

  @Override
  Candidates decode(List<Tensor> outputs, float conf, boolean[] allowed) {
    int[] shape = onlyShape(outputs);
    if (shape.length != 3 || shape[0] != 1 || shape[2] != 6) {
      throw new InvalidInputException("end-to-end output has shape " + describe(outputs)
          + ", expected one [1, K, 6]");
    }
    float[] d = outputs.get(0).data();
    Candidates out = new Candidates();
    for (int r = 0, off = 0; r < shape[1]; r++, off += 6) {
      float score = d[off + 4];
      float cls = d[off + 5];
      int k = Math.round(cls);
      if (!(score > conf) || k < 0 || k >= numClasses() || (allowed != null && !allowed[k])) {
        continue;
      }
      out.add(d[off], d[off + 1], d[off + 2], d[off + 3], score, k);
    }
    return out;
  }
}
