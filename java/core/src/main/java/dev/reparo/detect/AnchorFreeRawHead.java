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
 * logits; or per scale the pair {@code [1, 4·R, H, W]}, {@code [1, C, H, W]} (box, then classes: two
 * consecutive outputs on one grid, as Reparo's cut of a decoded head leaves them, sparing the network
 * a concat). Only cells whose best class logit exceeds logit(conf) are decoded: each side's distance
 * is the expectation of a softmax over its bins (DFL), in cells from the cell centre; box = (centre −
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
    int nc = numClasses();
    float threshold = logit(conf);
    Candidates out = new Candidates();
    float[] dist = new float[4];
    int scale = 0;
    for (int i = 0; i < outputs.size(); i += pairedWithNext(outputs, i) ? 2 : 1, scale++) {
      if (scale >= strides.length) {
        throw new InvalidInputException("model has " + outputs.size() + " outputs, more scales than its head's "
            + strides.length);
      }
      boolean paired = pairedWithNext(outputs, i);
      int[] shape = outputs.get(i).shape();
      int boxChannels = shape.length != 4 ? -1 : paired ? shape[1] : shape[1] - nc;
      if (shape.length != 4 || shape[0] != 1 || boxChannels < 4 || boxChannels % 4 != 0
          || paired && outputs.get(i + 1).shape()[1] != nc) {
        throw new InvalidInputException("output " + i + " has shape " + Arrays.toString(shape)
            + (paired ? " and output " + (i + 1) + " " + Arrays.toString(outputs.get(i + 1).shape()) : "")
            + ", expected [1, 4·R + " + nc + ", H, W] or the pair [1, 4·R, H, W], [1, " + nc + ", H, W] for " + nc
            + " classes");
      }
      int bins = boxChannels / 4;
      int h = shape[2];
      int w = shape[3];
      int plane = h * w;
      float[] d = outputs.get(i).data();
      float[] logits = paired ? outputs.get(i + 1).data() : d;
      int clsBase = paired ? 0 : boxChannels * plane;
      for (int cell = 0; cell < plane; cell++) {
        int best = -1;
        float bestLogit = threshold;
        for (int k = 0; k < nc; k++) {
          float v = logits[clsBase + k * plane + cell];
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
        float stride = strides[scale];
        out.add((cx - dist[0]) * stride, (cy - dist[1]) * stride, (cx + dist[2]) * stride, (cy + dist[3]) * stride,
            sigmoid(bestLogit), best);
      }
    }
    if (scale != strides.length) {
      throw new InvalidInputException("model has " + scale + " output scales but its head has " + strides.length);
    }
    return out;
  }

  /**
   * Whether output {@code i} is a scale's box distributions and output {@code i + 1} its class
   * logits: both 4-D on the same grid (one output per scale never repeats a grid).
   */
  static boolean pairedWithNext(List<Tensor> outputs, int i) {
    return i + 1 < outputs.size() && sameGrid(outputs.get(i).shape(), outputs.get(i + 1).shape());
  }

  static boolean sameGrid(int[] a, int[] b) {
    return a.length == 4 && b.length == 4 && a[2] == b[2] && a[3] == b[3];
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
