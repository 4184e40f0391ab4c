package dev.reparo.detect;

import static dev.reparo.detect.Logits.logit;
import static dev.reparo.detect.Logits.sigmoid;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The anchor-free head before its decode: per scale {@code [1, 4·R + C, H, W]}, R distribution bins
 * per box side (R = 16 in YOLOv8/YOLO11; R = 1 means plain distances, as in YOLO26), then C class
 * logits. Only cells whose best class logit exceeds logit(conf) are decoded: each side's distance is
 * the expectation of a softmax over its bins (DFL), in cells from the cell centre; box = (centre −
 * (left, top), centre + (right, bottom))·stride; score = σ(logit).
 */
final class AnchorFreeRawHead extends DetectionHead {
  private final int[] strides;

  AnchorFreeRawHead(int numClasses, int[] strides) {
    super(numClasses);
    this.strides = strides.clone();
  }

  @Override
  public HeadKind kind() {
    return HeadKind.ANCHOR_FREE_RAW;
  }

  @Override
  Candidates decode(List<Tensor> outputs, float conf, boolean[] allowed) {
    if (outputs.size() != strides.length) {
      throw new InvalidInputException(
          "model has " + outputs.size() + " outputs but its head has " + strides.length + " scales");
    }
    int nc = numClasses();
    float threshold = logit(conf);
    Candidates out = new Candidates();
    float[] dist = new float[4];
    for (int s = 0; s < outputs.size(); s++) {
      int[] shape = outputs.get(s).shape();
      int boxChannels = shape.length == 4 ? shape[1] - nc : -1;
      if (shape.length != 4 || shape[0] != 1 || boxChannels < 4 || boxChannels % 4 != 0) {
        throw new InvalidInputException("output " + s + " has shape " + Arrays.toString(shape)
            + ", expected [1, 4·R + " + nc + ", H, W] for " + nc + " classes");
      }
      int bins = boxChannels / 4;
      int h = shape[2];
      int w = shape[3];
      int plane = h * w;
      float[] d = outputs.get(s).data();
      int clsBase = boxChannels * plane;
      for (int cell = 0; cell < plane; cell++) {
        int best = -1;
        float bestLogit = threshold;
        for (int k = 0; k < nc; k++) {
          float v = d[clsBase + k * plane + cell];
          if (v > bestLogit && (allowed == null || allowed[k])) {
            bestLogit = v;
            best = k;
          }
        }
        if (best < 0) {
          continue;
        }
        for (int side = 0; side < 4; side++) {
          dist[side] = bins == 1 ? d[side * plane + cell] : expectation(d, side * bins * plane + cell, bins, plane);
        }
        int gy = cell / w;
        float cx = cell - gy * w + 0.5f;
        float cy = gy + 0.5f;
        float stride = strides[s];
        out.add((cx - dist[0]) * stride, (cy - dist[1]) * stride, (cx + dist[2]) * stride, (cy + dist[3]) * stride,
            sigmoid(bestLogit), best);
      }
    }
    return out;
  }

  /** Σ i·softmax(bins)_i over {@code bins} values {@code plane} apart starting at {@code first}. */
  private static float expectation(float[] d, int first, int bins, int plane) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < bins; i++) {
      max = Math.max(max, d[first + i * plane]);
    }
    double sum = 0;
    double weighted = 0;
    for (int i = 0; i < bins; i++) {
      double e = Math.exp(d[first + i * plane] - max);
      sum += e;
      weighted += i * e;
    }
    return (float) (weighted / sum);
  }

  @Override
  public String toString() {
    return super.toString() + " strides " + Arrays.toString(strides);
  }
}
