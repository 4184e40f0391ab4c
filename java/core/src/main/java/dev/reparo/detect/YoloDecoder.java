package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Turns YOLOv5 head outputs into scored candidate boxes in model-input pixels.
 *
 * <p>For raw heads it never takes the sigmoid of an anchor that cannot pass: since the score is
 * σ(obj)·σ(cls) ≤ σ(obj), an anchor survives only if its objectness logit exceeds logit(conf), a
 * single comparison. Only survivors get sigmoids, a best-class search and box decoding:
 * xy = (2σ(t) − 0.5 + cell)·stride, wh = (2σ(t))²·anchor. Already decoded outputs (rows of cx,
 * cy, w, h, obj, classes after sigmoid) are filtered on objectness first for the same reason.
 *
 * <p>Immutable and thread-safe.
 */
public final class YoloDecoder {
  private final YoloHead head;

  public YoloDecoder(YoloHead head) {
    this.head = head;
  }

  public YoloHead head() {
    return head;
  }

  /** logit(p) = ln(p / (1 − p)); −∞ for p ≤ 0 so that every anchor passes. */
  static float logit(float p) {
    if (p <= 0f) {
      return Float.NEGATIVE_INFINITY;
    }
    if (p >= 1f) {
      return Float.POSITIVE_INFINITY;
    }
    return (float) Math.log(p / (1.0 - p));
  }

  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }

  /**
   * Candidates from raw per-scale outputs, each {@code [1, anchors·(5+C), H, W]} in the head's
   * scale order, whose score exceeds {@code conf}.
   *
   * @param allowed classes to keep, or null for all
   * @throws InvalidInputException if the outputs do not fit the head
   */
  Candidates decodeRaw(List<Tensor> outputs, float conf, boolean[] allowed) {
    if (outputs.size() != head.numScales()) {
      throw new InvalidInputException(
          "model has " + outputs.size() + " outputs but its head has " + head.numScales() + " scales");
    }
    int na = head.anchorsPerScale();
    int no = head.outputsPerAnchor();
    int nc = head.numClasses();
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
      float stride = head.stride(s);
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
          bw = bw * bw * head.anchorWidth(s, a);
          bh = bh * bh * head.anchorHeight(s, a);
          out.add(cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, score, best);
        }
      }
    }
    return out;
  }

  /**
   * Candidates from an already decoded output {@code [1, N, 5+C]} (cx, cy, w, h, objectness, class
   * probabilities) whose score exceeds {@code conf}.
   */
  Candidates decodeDecoded(Tensor rows, float conf, boolean[] allowed) {
    int[] shape = rows.shape();
    int no = head.outputsPerAnchor();
    if (shape.length != 3 || shape[0] != 1 || shape[2] != no) {
      throw new InvalidInputException("decoded output has shape " + Arrays.toString(shape) + ", expected [1, N, "
          + no + "] for " + head.numClasses() + " classes");
    }
    float[] d = rows.data();
    Candidates out = new Candidates();
    for (int r = 0, off = 0; r < shape[1]; r++, off += no) {
      float obj = d[off + 4];
      if (!(obj > conf)) {
        continue;
      }
      int best = -1;
      float bestP = Float.NEGATIVE_INFINITY;
      for (int k = 0; k < head.numClasses(); k++) {
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
