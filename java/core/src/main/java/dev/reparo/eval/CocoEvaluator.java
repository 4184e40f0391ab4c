package dev.reparo.eval;

import dev.reparo.data.Box;
import dev.reparo.data.CocoDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * COCO box evaluation as defined by the reference implementation's {@code COCOeval} for area
 * range "all" and at most 100 detections per image and category:
 *
 * <ul>
 *   <li>per image and category, detections by descending score (stable), the best 100 kept;
 *   <li>at each IoU threshold t, each detection in turn takes the unmatched ground truth of
 *       highest IoU ≥ t; crowd ground truths ({@code iscrowd=1}) can absorb any number of
 *       detections, which are then ignored, and are not counted as objects to find;
 *   <li>per category the detections of all images are ranked by score (stable, images in id
 *       order), precision is made non-increasing from the right, and AP is the mean of the
 *       precision at the 101 recall points 0, 0.01, ..., 1 (0 beyond the highest recall).
 * </ul>
 * Detections for images that are not in the ground truth are ignored.
 *
 * <p>Stateless; instances are immutable and thread-safe.
 */
public final class CocoEvaluator {
  private static final int MAX_DETECTIONS = 100;
  private static final int RECALL_POINTS = 101;
  private static final double[] IOU_THRESHOLDS = new double[10];

  private static final double[] RECALL_THRESHOLDS = new double[RECALL_POINTS];

  // Computed like numpy.linspace (i * step + start, last = stop) so that a recall of exactly,
  // say, 3/100 meets the same threshold bits as in the reference.
  static {
    double step = (0.95 - 0.5) / 9;
    for (int i = 0; i < 10; i++) {
      IOU_THRESHOLDS[i] = i * step + 0.5;
    }
    IOU_THRESHOLDS[9] = 0.95;
    for (int i = 0; i < RECALL_POINTS; i++) {
      RECALL_THRESHOLDS[i] = i * (1.0 / (RECALL_POINTS - 1));
    }
    RECALL_THRESHOLDS[RECALL_POINTS - 1] = 1.0;
  }

  /** Evaluates {@code detections} against the ground truth {@code gt}. */
  public CocoMetrics evaluate(CocoDataset gt, List<Detection> detections) {
    Set<Long> images = new HashSet<>();
    gt.images().forEach(im -> images.add(im.id()));
    List<Long> imageOrder = gt.images().stream().map(CocoDataset.Image::id).sorted().toList();
    Map<Integer, Map<Long, List<CocoDataset.Annotation>>> truths = new TreeMap<>();
    for (CocoDataset.Category c : gt.categories()) {
      truths.put(c.id(), new HashMap<>());
    }
    for (CocoDataset.Annotation a : gt.annotations()) {
      truths.get(a.categoryId()).computeIfAbsent(a.imageId(), k -> new ArrayList<>()).add(a);
    }
    Map<Integer, Map<Long, List<Detection>>> found = new HashMap<>();
    for (Detection d : detections) {
      if (images.contains(d.imageId()) && truths.containsKey(d.categoryId())) {
        found.computeIfAbsent(d.categoryId(), k -> new HashMap<>())
            .computeIfAbsent(d.imageId(), k -> new ArrayList<>()).add(d);
      }
    }

    Map<Integer, CocoMetrics.ClassAp> perCategory = new TreeMap<>();
    double[] sumAp = new double[IOU_THRESHOLDS.length];
    int valid = 0;
    for (Map.Entry<Integer, Map<Long, List<CocoDataset.Annotation>>> e : truths.entrySet()) {
      double[] ap = categoryAp(imageOrder, e.getValue(),
          found.getOrDefault(e.getKey(), Map.of()));
      int gtCount = (int) e.getValue().values().stream().flatMap(List::stream)
          .filter(a -> a.iscrowd() == 0).count();
      int dtCount = found.getOrDefault(e.getKey(), Map.of()).values().stream().mapToInt(List::size).sum();
      if (ap == null) {
        perCategory.put(e.getKey(), new CocoMetrics.ClassAp(-1, -1, gtCount, dtCount));
        continue;
      }
      valid++;
      for (int t = 0; t < ap.length; t++) {
        sumAp[t] += ap[t];
      }
      perCategory.put(e.getKey(), new CocoMetrics.ClassAp(Arrays.stream(ap).average().orElse(0), ap[0],
          gtCount, dtCount));
    }
    if (valid == 0) {
      return new CocoMetrics(-1, -1, -1, perCategory);
    }
    double all = 0;
    for (double s : sumAp) {
      all += s;
    }
    return new CocoMetrics(all / (valid * IOU_THRESHOLDS.length), sumAp[0] / valid, sumAp[5] / valid,
        perCategory);
  }

  /** One detection after matching: its score, and per IoU threshold matched or ignored. */
  private record Scored(double score, boolean[] matched, boolean[] ignored) {}

  /** AP per IoU threshold of one category, or null when it has no (non-crowd) ground truth. */
  private static double[] categoryAp(List<Long> imageOrder,
      Map<Long, List<CocoDataset.Annotation>> truths, Map<Long, List<Detection>> detections) {
    int thresholds = IOU_THRESHOLDS.length;
    List<Scored> ranked = new ArrayList<>();
    int objects = 0;
    for (long image : imageOrder) {
      List<CocoDataset.Annotation> gts = new ArrayList<>(truths.getOrDefault(image, List.of()));
      // non-crowd first, as the reference sorts ground truths by their ignore flag
      gts.sort(Comparator.comparingInt(CocoDataset.Annotation::iscrowd));
      List<Detection> dts = new ArrayList<>(detections.getOrDefault(image, List.of()));
      dts.sort(Comparator.comparingDouble(Detection::score).reversed());
      if (dts.size() > MAX_DETECTIONS) {
        dts = dts.subList(0, MAX_DETECTIONS);
      }
      for (CocoDataset.Annotation g : gts) {
        if (g.iscrowd() == 0) {
          objects++;
        }
      }
      boolean[][] gtTaken = new boolean[thresholds][gts.size()];
      for (Detection d : dts) {
        boolean[] matched = new boolean[thresholds];
        boolean[] ignored = new boolean[thresholds];
        for (int t = 0; t < thresholds; t++) {
          double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
          int m = -1;
          for (int gi = 0; gi < gts.size(); gi++) {
            CocoDataset.Annotation g = gts.get(gi);
            boolean crowd = g.iscrowd() != 0;
            if (gtTaken[t][gi] && !crowd) {
              continue;
            }
            // a match on a real object is final: stop before the crowd regions
            if (m > -1 && gts.get(m).iscrowd() == 0 && crowd) {
              break;
            }
            double iou = iou(d.box(), g.box(), crowd);
            if (iou < best) {
              continue;
            }
            best = iou;
            m = gi;
          }
          if (m > -1) {
            matched[t] = true;
            ignored[t] = gts.get(m).iscrowd() != 0;
            gtTaken[t][m] = true;
          }
        }
        ranked.add(new Scored(d.score(), matched, ignored));
      }
    }
    if (objects == 0) {
      return null;
    }
    // stable sort by descending score keeps image order among ties, like a mergesort
    ranked.sort(Comparator.comparingDouble(Scored::score).reversed());
    double[] ap = new double[thresholds];
    for (int t = 0; t < thresholds; t++) {
      List<double[]> curve = new ArrayList<>(); // {recall, precision}
      int tp = 0;
      int fp = 0;
      for (Scored s : ranked) {
        if (s.ignored()[t]) {
          continue;
        }
        if (s.matched()[t]) {
          tp++;
        } else {
          fp++;
        }
        curve.add(new double[] {(double) tp / objects, tp / (tp + fp + Math.ulp(1.0))});
      }
      int n = curve.size();
      double[] recall = new double[n];
      double[] precision = new double[n];
      for (int i = 0; i < n; i++) {
        recall[i] = curve.get(i)[0];
        precision[i] = curve.get(i)[1];
      }
      for (int i = n - 1; i > 0; i--) {
        precision[i - 1] = Math.max(precision[i - 1], precision[i]);
      }
      double sum = 0;
      for (int r = 0; r < RECALL_POINTS; r++) {
        int idx = firstAtLeast(recall, RECALL_THRESHOLDS[r]);
        sum += idx < n ? precision[idx] : 0;
      }
      ap[t] = sum / RECALL_POINTS;
    }
    return ap;
  }

  /** The first index whose recall is ≥ {@code value} (recall is non-decreasing), n if none. */
  private static int firstAtLeast(double[] recall, double value) {
    int lo = 0;
    int hi = recall.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (recall[mid] < value) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Box IoU; against a crowd region the union is the detection's own area. */
  static double iou(Box d, Box g, boolean crowd) {
    double inter = d.intersection(g);
    double union = crowd ? d.area() : d.area() + g.area() - inter;
    return union <= 0 ? 0 : inter / union;
  }
}
