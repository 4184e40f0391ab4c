package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Head outputs → final detections: decode (the head's job), class-aware NMS where the head needs
 * it, then boxes from model-input pixels back to the original image. Immutable and thread-safe.
 */
public final class PostProcessor {
  /** Candidates kept for NMS at most, highest scores first (bounds the worst case). */
  static final int MAX_NMS_CANDIDATES = 30_000;

  private final DetectionHead head;
  private final List<String> labels;

  /** @param labels one per class, in class-id order */
  public PostProcessor(DetectionHead head, List<String> labels) {
    if (labels.size() != head.numClasses()) {
      throw new InvalidInputException(
          "head has " + head.numClasses() + " classes but " + labels.size() + " labels were given");
    }
    this.head = head;
    this.labels = List.copyOf(labels);
  }

  public DetectionHead head() {
    return head;
  }

  /**
   * @param outputs the model's outputs in order, as the head expects them
   * @param allowed class ids to keep, or null for all
   */
  public List<Detection> process(List<Tensor> outputs, Letterbox box, float conf, float iou, int maxDetections,
      boolean agnostic, boolean[] allowed) {
    if (allowed != null && allowed.length != labels.size()) {
      throw new InvalidInputException("class filter has " + allowed.length + " entries, model has " + labels.size() + " classes");
    }
    Candidates c = head.decode(outputs, conf, allowed);
    if (c.size() > MAX_NMS_CANDIDATES) {
      c = topScores(c, MAX_NMS_CANDIDATES);
    }
    int[] kept = head.needsNms() ? Nms.run(c, iou, maxDetections, agnostic) : byScore(c, maxDetections);
    List<Detection> result = new ArrayList<>(kept.length);
    for (int i : kept) {
      result.add(new Detection(box.toImageX(c.x1[i]), box.toImageY(c.y1[i]), box.toImageX(c.x2[i]),
          box.toImageY(c.y2[i]), c.score[i], c.classId[i], labels.get(c.classId[i])));
    }
    return List.copyOf(result);
  }

  /** Indices of the {@code limit} best scores, best first (NMS-free heads: the network already chose). */
  private static int[] byScore(Candidates c, int limit) {
    return java.util.stream.IntStream.range(0, c.size()).boxed()
        .sorted((a, b) -> Float.compare(c.score[b], c.score[a]))
        .limit(limit).mapToInt(Integer::intValue).toArray();
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
