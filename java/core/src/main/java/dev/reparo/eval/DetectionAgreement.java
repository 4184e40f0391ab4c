package dev.reparo.eval;

import dev.reparo.detect.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * How well one model's detections reproduce another's, in COCO mAP: the reference model's
 * detections at or above a confidence are taken as the labels, and the other model's detections
 * (all of them, as {@code reparo eval} scores them) are evaluated against those labels. The
 * reference scores 1.0 against its own labels, so {@code 1 - mAP} measures how far the other
 * model departs from it, on images without labels. Used to compare int8 with FP32. Stateless.
 */
public final class DetectionAgreement {
  private DetectionAgreement() {}

  /**
   * @param reference per image, the reference detections (any confidence; those below {@code
   *     labelConf} are dropped)
   * @param candidate per image, the detections to score, lined up with {@code reference}
   * @return null when the reference has no detection at or above {@code labelConf}
   */
  public static CocoMetrics score(List<List<Detection>> reference, List<List<Detection>> candidate,
      float labelConf) {
    if (reference.size() != candidate.size()) {
      throw new IllegalArgumentException(reference.size() + " reference images vs " + candidate.size());
    }
    List<CocoEvaluator.GroundTruth> gts = new ArrayList<>();
    List<CocoEvaluator.Result> results = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    TreeSet<Long> cats = new TreeSet<>();
    long id = 0;
    for (int i = 0; i < reference.size(); i++) {
      long imageId = i + 1;
      ids.add(imageId);
      for (Detection d : reference.get(i)) {
        if (d.score() >= labelConf) {
          double[] box = {d.x1(), d.y1(), d.width(), d.height()};
          gts.add(new CocoEvaluator.GroundTruth(++id, imageId, d.classId(), box, box[2] * box[3], false));
          cats.add((long) d.classId());
        }
      }
      for (Detection d : candidate.get(i)) {
        results.add(new CocoEvaluator.Result(imageId, d.classId(),
            new double[] {d.x1(), d.y1(), d.width(), d.height()}, d.score()));
        cats.add((long) d.classId());
      }
    }
    return gts.isEmpty() ? null : CocoEvaluator.evaluate(gts, results, ids, List.copyOf(cats));
  }

  /** The number of reference detections at or above {@code labelConf}. */
  public static int labels(List<List<Detection>> reference, float labelConf) {
    return (int) reference.stream().flatMap(List::stream).filter(d -> d.score() >= labelConf).count();
  }
}
