package dev.reparo.detect;

import static dev.reparo.detect.Logits.logit;
import static dev.reparo.detect.Logits.sigmoid;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * YOLOv5's anchor head on raw per-scale outputs {@code [1, anchors·(5+C), H, W]}.
 *
 * <p>It never takes the sigmoid of an anchor that cannot pass: since the score is σ(obj)·σ(cls) ≤
 * σ(obj), an anchor survives only if its objectness logit exceeds logit(conf), a single
 * comparison. Only survivors get sigmoids, a best-class search and box decoding:
 * xy = (2σ(t) − 0.5 + cell)·stride, wh = (2σ(t))²·anchor.
 */
final class AnchorHead extends DetectionHead {
  private final YoloHead geometry;

  AnchorHead(YoloHead geometry) {
    super(geometry.numClasses());
    this.geometry = geometry;
  }

  @Override
  public HeadKind kind() {
    return HeadKind.YOLOV5;
  }

  YoloHead geometry() {
    return geometry;
  }

  @Override
  Candidates decode(List<Tensor> outputs, float conf, boolean[] allowed) {
    if (outputs.size() != geometry.numScales()) {
      throw new InvalidInputException(
          "model has " + outputs.size() + " outputs but its head has " + geometry.numScales() + " scales");
    }
    int na = geometry.anchorsPerScale();
    int no = geometry.outputsPerAnchor();
    int nc = geometry.numClasses();
    float objThreshold = logit(conf);
    Candidates out = new Candidates();
    for (int s = 0; s < outputs.size(); s++) {
      Tensor t = outputs.get(s);
      int[] shape = t.shape();
      if (shape.length != 4 || shape[0] != 1 || shape[1] != na * no) {
        throw new InvalidInputException("output " + s + " has shape " + Arrays.toString(shape) + ", expected [1, "
            + na * no + ", H, W] for " + na + " anchors and " + nc + " classes");
      }
      int h = shape[2];
      int w = shape[3];
      int plane = h * w;
      float stride = geometry.stride(s);
      float[] d = t.data();
      for (int a = 0; a < na; a++) {
        int base = a * no * plane;
        int objBase = base + 4 * plane;
        for (int cell = 0; cell < plane; cell++) {
          float objLogit = d[objBase + cell];
          if (!(objLogit > objThreshold)) {
            continue;
          }
          int best = -1;
          float bestLogit = Float.NEGATIVE_INFINITY;
          for (int k = 0; k < nc; k++) {
            float v = d[base + (5 + k) * plane + cell];
            if (v > bestLogit && (allowed == null || allowed[k])) {
              bestLogit = v;
              best = k;
            }
          }
          if (best < 0) {
            continue;
          }
          float score = sigmoid(objLogit) * sigmoid(bestLogit);
          if (!(score > conf)) {
            continue;
          }
          int gy = cell / w;
          int gx = cell - gy * w;
          float cx = (2f * sigmoid(d[base + cell]) - 0.5f + gx) * stride;
          float cy = (2f * sigmoid(d[base + plane + cell]) - 0.5f + gy) * stride;
          float bw = 2f * sigmoid(d[base + 2 * plane + cell]);
          float bh = 2f * sigmoid(d[base + 3 * plane + cell]);
          bw = bw * bw * geometry.anchorWidth(s, a);
          bh = bh * bh * geometry.anchorHeight(s, a);
          out.add(cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, score, best);
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return super.toString() + " strides " + Arrays.toString(geometry.strides());
  }
}
