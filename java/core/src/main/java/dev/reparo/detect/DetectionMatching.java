package dev.reparo.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Whether two detection lists of one image say the same thing, whatever order they are in: the
 * question asked when one model runs on two backends, two CPUs or two precisions.
 *
 * <p>Detections are matched one to one, highest reference score first, each to the unmatched
 * candidate of the same class with the largest IoU, provided that IoU reaches {@link
 * Tolerance#minIou()} and the scores differ by at most {@link Tolerance#scoreTolerance()}. A
 * detection left over on either side is excused when its score lies within the score tolerance of
 * the confidence threshold: the other side may have scored it just below the threshold (a
 * <em>borderline</em> detection). Anything else left over is a mismatch.
 *
 * <p>Comparing lists index by index is wrong as soon as two scores are within rounding of each
 * other: the sort, and NMS with it, may then order or keep them differently on another CPU.
 * Immutable; thread-safe.
 */
public final class DetectionMatching {
  private DetectionMatching() {}

  /**
   * How close two detections must be to count as the same.
   *
   * @param minIou the least IoU of two boxes of the same object
   * @param scoreTolerance the largest score difference, and the band around {@code confThreshold}
   *     in which an unmatched detection is excused
   * @param confThreshold the confidence threshold both lists were made with
   */
  public record Tolerance(float minIou, float scoreTolerance, float confThreshold) {
    public Tolerance {
      if (!(minIou > 0 && minIou <= 1)) {
        throw new IllegalArgumentException("minIou must be in (0, 1], got " + minIou);
      }
      if (!(scoreTolerance >= 0 && scoreTolerance < 1)) {
        throw new IllegalArgumentException("scoreTolerance must be in [0, 1), got " + scoreTolerance);
      }
    }
  }

  /**
   * The outcome of one comparison.
   *
   * @param matched pairs, reference first
   * @param unmatchedReference reference detections with no counterpart, not borderline
   * @param unmatchedCandidate candidate detections with no counterpart, not borderline
   * @param borderline unmatched detections (either side) excused for lying at the threshold
   */
  public record Result(List<Detection[]> matched, List<Detection> unmatchedReference,
      List<Detection> unmatchedCandidate, List<Detection> borderline) {

    /** True when every detection found its counterpart or is borderline. */
    public boolean same() {
      return unmatchedReference.isEmpty() && unmatchedCandidate.isEmpty();
    }

    /** Largest score difference over the matched pairs; 0 when nothing matched. */
    public float worstScoreDifference() {
      float worst = 0;
      for (Detection[] p : matched) {
        worst = Math.max(worst, Math.abs(p[0].score() - p[1].score()));
      }
      return worst;
    }

    /** Smallest IoU over the matched pairs; 1 when nothing matched. */
    public float worstIou() {
      float worst = 1;
      for (Detection[] p : matched) {
        worst = Math.min(worst, p[0].iou(p[1]));
      }
      return worst;
    }

    /** One line for a log or an assertion message, naming up to three mismatches per side. */
    public String describe() {
      StringBuilder s = new StringBuilder(String.format(
          "%d matched (worst IoU %.4f, worst score difference %.2g), %d borderline, "
              + "%d reference and %d candidate detections unmatched",
          matched.size(), worstIou(), worstScoreDifference(), borderline.size(),
          unmatchedReference.size(), unmatchedCandidate.size()));
      if (!unmatchedReference.isEmpty()) {
        s.append("; reference only: ").append(unmatchedReference.subList(0, Math.min(3, unmatchedReference.size())));
      }
      if (!unmatchedCandidate.isEmpty()) {
        s.append("; candidate only: ").append(unmatchedCandidate.subList(0, Math.min(3, unmatchedCandidate.size())));
      }
      return s.toString();
    }
  }

  /** Matches {@code candidate} against {@code reference}, both detections of one image. */
  public static Result compare(List<Detection> reference, List<Detection> candidate, Tolerance tol) {
    List<Detection> refs = new ArrayList<>(reference);
    refs.sort(Comparator.comparingDouble(Detection::score).reversed());
    List<Detection> left = new ArrayList<>(candidate);
    List<Detection[]> matched = new ArrayList<>();
    List<Detection> unmatchedRef = new ArrayList<>();
    List<Detection> borderline = new ArrayList<>();
    for (Detection r : refs) {
      int best = -1;
      float bestIou = 0;
      for (int i = 0; i < left.size(); i++) {
        Detection c = left.get(i);
        float iou = r.iou(c);
        if (c.classId() == r.classId() && iou >= tol.minIou() && iou > bestIou
            && Math.abs(c.score() - r.score()) <= tol.scoreTolerance()) {
          best = i;
          bestIou = iou;
        }
      }
      if (best >= 0) {
        matched.add(new Detection[] {r, left.remove(best)});
      } else if (atThreshold(r, tol)) {
        borderline.add(r);
      } else {
        unmatchedRef.add(r);
      }
    }
    List<Detection> unmatchedCand = new ArrayList<>();
    for (Detection c : left) {
      (atThreshold(c, tol) ? borderline : unmatchedCand).add(c);
    }
    return new Result(List.copyOf(matched), List.copyOf(unmatchedRef), List.copyOf(unmatchedCand),
        List.copyOf(borderline));
  }

  private static boolean atThreshold(Detection d, Tolerance tol) {
    return Math.abs(d.score() - tol.confThreshold()) <= tol.scoreTolerance();
  }
}
