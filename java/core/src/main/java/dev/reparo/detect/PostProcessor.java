package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Head outputs → final detections: decode with the logit shortcut, class-aware NMS, then map boxes
 * from model-input pixels back to the original image. Immutable and thread-safe.
 */
public final class PostProcessor {
  /** Candidates kept for NMS at most, highest scores first (bounds the worst case). */
  static final int MAX_NMS_CANDIDATES = 30_000;

  private final YoloDecoder decoder;
  private final List<String> labels;

  /** @param labels one per class, in class-id order */
  public PostProcessor(YoloHead head, List<String> labels) {
    if (labels.size() != head.numClasses()) {
      throw new InvalidInputException(
          "head has " + head.numClasses() + " classes but " + labels.size() + " labels were given");
    }
    this.decoder = new YoloDecoder(head);
    this.labels = List.copyOf(labels);
  }

  /**
   * @param outputs the raw per-scale outputs in head order, or a single decoded [1, N, 5+C] output
   * @param allowed class ids to keep, or null for all
   */
  public List<Detection> process(List<Tensor> outputs, Letterbox box, float conf, float iou, int maxDetections,
      boolean agnostic, boolean[] allowed) {
    if (allowed != null && allowed.length != labels.size()) {
      throw new InvalidInputException("class filter has " + allowed.length + " entries, model has " + labels.size() + " classes");
    }
    Candidates c = outputs.size() == 1 && outputs.get(0).rank() == 3
        ? decoder.decodeDecoded(outputs.get(0), conf, allowed)
        : decoder.decodeRaw(outputs, conf, allowed);
    if (c.size() > MAX_NMS_CANDIDATES) {
      c = topScores(c, MAX_NMS_CANDIDATES);
    }
    int[] kept = Nms.run(c, iou, maxDetections, agnostic);
    List<Detection> result = new ArrayList<>(kept.length);
    for (int i : kept) {
      result.add(new Detection(box.toImageX(c.x1[i]), box.toImageY(c.y1[i]), box.toImageX(c.x2[i]),
          box.toImageY(c.y2[i]), c.score[i], c.classId[i], labels.get(c.classId[i])));
    }
    return List.copyOf(result);
  }

  private static Candidates topScores(Candidates c, int limit) {
    float[] sorted = c.score.clone();
    java.util.Arrays.sort(sorted, 0, c.size());
    float cut = sorted[c.size() - limit];
    Candidates out = new Candidates();
    for (int i = 0; i < c.size() && out.size() < limit; i++) {
      if (c.score[i] >= cut) {
        out.add(c.x1[i], c.y1[i], c.x2[i], c.y2[i], c.score[i], c.classId[i]);
      }
    }
    return out;
  }
}
