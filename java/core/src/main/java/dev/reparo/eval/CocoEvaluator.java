package dev.reparo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.ModelFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * COCO bounding-box evaluation with the semantics of pycocotools' {@code COCOeval}: greedy
 * matching of score-sorted detections to ground truth at IoU thresholds 0.50:0.05:0.95, crowd and
 * out-of-range boxes ignored, 101-point interpolated precision, and the twelve summary numbers
 * (AP, AP50, AP75, AP small/medium/large, AR at 1/10/100 detections, AR small/medium/large).
 *
 * <p>Area ranges, maximum detections and the tie-breaking order (stable sorts) follow
 * pycocotools so results agree to floating-point precision. Stateless and thread-safe.
 */
public final class CocoEvaluator {
  static final double[] IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
  static final double[] RECALL_THRESHOLDS = linspace(0.0, 1.0, 101);
  static final int[] MAX_DETS = {1, 10, 100};
  /** all, small, medium, large: [min, max] of box area in pixels². */
  static final double[][] AREA_RANGES = {{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}};
  static final String[] AREA_NAMES = {"all", "small", "medium", "large"};

  /** One ground-truth box. */
  public record GroundTruth(long id, long imageId, long categoryId, double[] bbox, double area, boolean crowd) {}

  /** One detection: {@code bbox} is [x, y, width, height] in pixels. */
  public record Result(long imageId, long categoryId, double[] bbox, double score) {}

  private CocoEvaluator() {}

  /** numpy.linspace: start + i·step, the last value exactly {@code stop}. */
  private static double[] linspace(double start, double stop, int n) {
    double step = (stop - start) / (n - 1);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * step + start;
    }
    v[n - 1] = stop;
    return v;
  }

  /** Reads COCO results JSON (a list of {image_id, category_id, bbox, score}). */
  public static List<Result> readResults(Path json) throws IOException {
    JsonNode root = read(json);
    if (!root.isArray()) {
      throw new ModelFormatException(json + ": COCO results must be a JSON list");
    }
    List<Result> out = new ArrayList<>();
    for (JsonNode r : root) {
      out.add(new Result(r.path("image_id").asLong(), r.path("category_id").asLong(), box(r, json),
          r.path("score").asDouble()));
    }
    return out;
  }

  private static JsonNode read(Path json) throws IOException {
    try {
      return new ObjectMapper().readTree(json.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ModelFormatException(json + ": not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static double[] box(JsonNode n, Path src) {
    JsonNode b = n.get("bbox");
    if (b == null || !b.isArray() || b.size() != 4) {
      throw new ModelFormatException(src + ": an entry has no [x, y, w, h] bbox: " + n);
    }
    return new double[] {b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble()};
  }

  /**
   * Evaluates {@code results} against {@code gts} over {@code imageIds} and {@code categoryIds}.
   *
   * @throws ModelFormatException if a result names an image that is not in {@code imageIds}
   */
  public static CocoMetrics evaluate(List<GroundTruth> gts, List<Result> results, List<Long> imageIds,
      List<Long> categoryIds) {
    TreeSet<Long> images = new TreeSet<>(imageIds);
    List<Long> cats = new ArrayList<>(new TreeSet<>(categoryIds));
    for (Result r : results) {
      if (!images.contains(r.imageId())) {
        throw new ModelFormatException("result for image " + r.imageId() + ", which is not in the ground truth");
      }
    }
    Map<Long, Map<Long, List<GroundTruth>>> gtBy = new HashMap<>();
    for (GroundTruth g : gts) {
      gtBy.computeIfAbsent(g.imageId(), k -> new HashMap<>()).computeIfAbsent(g.categoryId(), k -> new ArrayList<>()).add(g);
    }
    Map<Long, Map<Long, List<Result>>> dtBy = new HashMap<>();
    for (Result r : results) {
      dtBy.computeIfAbsent(r.imageId(), k -> new HashMap<>()).computeIfAbsent(r.categoryId(), k -> new ArrayList<>()).add(r);
    }
    int nT = IOU_THRESHOLDS.length;
    int nR = RECALL_THRESHOLDS.length;
    int nK = cats.size();
    double[][][][][] precision = new double[nT][nR][nK][AREA_RANGES.length][MAX_DETS.length];
    double[][][][] recall = new double[nT][nK][AREA_RANGES.length][MAX_DETS.length];
    for (double[][][][] a : precision) for (double[][][] b : a) for (double[][] c : b) for (double[] d : c) Arrays.fill(d, -1);
    for (double[][][] a : recall) for (double[][] b : a) for (double[] c : b) Arrays.fill(c, -1);

    int maxDet = MAX_DETS[MAX_DETS.length - 1];
    for (int k = 0; k < nK; k++) {
      long cat = cats.get(k);
      for (int a = 0; a < AREA_RANGES.length; a++) {
        List<ImageEval> evals = new ArrayList<>();
        for (long img : images) {
          List<GroundTruth> g = gtBy.getOrDefault(img, Map.of()).getOrDefault(cat, List.of());
          List<Result> d = dtBy.getOrDefault(img, Map.of()).getOrDefault(cat, List.of());
          if (g.isEmpty() && d.isEmpty()) {
            continue;
          }
          evals.add(evaluateImage(g, d, AREA_RANGES[a], maxDet));
        }
        for (int m = 0; m < MAX_DETS.length; m++) {
          accumulate(evals, MAX_DETS[m], precision, recall, k, a, m);
        }
      }
    }
    return new CocoMetrics(summarize(precision, recall), cats, precision);
  }

  /** Matches of one image and category: per IoU threshold, matched-flag and ignore-flag per detection. */
  private record ImageEval(double[] scores, boolean[][] matched, boolean[][] ignored, int countedGts) {}

  private static ImageEval evaluateImage(List<GroundTruth> gtIn, List<Result> dtIn, double[] range, int maxDet) {
    // Ground truth: not-ignored first (stable); detections: by score, highest first (stable).
    List<GroundTruth> gt = new ArrayList<>(gtIn);
    boolean[] gtIgnoreOf = new boolean[gt.size()];
    Map<GroundTruth, Boolean> ignore = new HashMap<>();
    for (GroundTruth g : gt) {
      ignore.put(g, g.crowd() || g.area() < range[0] || g.area() > range[1]);
    }
    gt.sort(Comparator.comparing(ignore::get));
    for (int i = 0; i < gt.size(); i++) {
      gtIgnoreOf[i] = ignore.get(gt.get(i));
    }
    List<Result> dt = new ArrayList<>(dtIn);
    dt.sort(Comparator.comparingDouble(r -> -r.score()));
    if (dt.size() > maxDet) {
      dt = dt.subList(0, maxDet);
    }
    int nT = IOU_THRESHOLDS.length;
    boolean[][] dtMatched = new boolean[nT][dt.size()];
    boolean[][] dtIgnored = new boolean[nT][dt.size()];
    boolean[][] gtMatched = new boolean[nT][gt.size()];
    double[][] ious = new double[dt.size()][gt.size()];
    for (int d = 0; d < dt.size(); d++) {
      for (int g = 0; g < gt.size(); g++) {
        ious[d][g] = iou(dt.get(d).bbox(), gt.get(g).bbox(), gt.get(g).crowd());
      }
    }
    for (int t = 0; t < nT; t++) {
      for (int d = 0; d < dt.size(); d++) {
        double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
        int m = -1;
        for (int g = 0; g < gt.size(); g++) {
          if (gtMatched[t][g] && !gt.get(g).crowd()) {
            continue;
          }
          if (m > -1 && !gtIgnoreOf[m] && gtIgnoreOf[g]) {
            break;
          }
          if (ious[d][g] < best) {
            continue;
          }
          best = ious[d][g];
          m = g;
        }
        if (m == -1) {
          continue;
        }
        dtIgnored[t][d] = gtIgnoreOf[m];
        // pycocotools stores the matched annotation's id; an id of 0 reads as "unmatched".
        dtMatched[t][d] = gt.get(m).id() != 0;
        gtMatched[t][m] = true;
      }
    }
    for (int d = 0; d < dt.size(); d++) {
      double[] b = dt.get(d).bbox();
      double area = b[2] * b[3];
      boolean outside = area < range[0] || area > range[1];
      for (int t = 0; t < nT; t++) {
        dtIgnored[t][d] |= !dtMatched[t][d] && outside;
      }
    }
    double[] scores = dt.stream().mapToDouble(Result::score).toArray();
    int counted = 0;
    for (boolean ig : gtIgnoreOf) {
      counted += ig ? 0 : 1;
    }
    return new ImageEval(scores, dtMatched, dtIgnored, counted);
  }

  /** IoU of two [x, y, w, h] boxes; for a crowd ground truth the union is the detection's area. */
  static double iou(double[] d, double[] g, boolean crowd) {
    double iw = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
    double ih = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    double union = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - inter;
    return inter / union;
  }

  private static void accumulate(List<ImageEval> evals, int maxDet, double[][][][][] precision,
      double[][][][] recall, int k, int a, int m) {
    int counted = 0;
    List<double[]> entries = new ArrayList<>(); // score, image index, detection index
    for (int e = 0; e < evals.size(); e++) {
      ImageEval ev = evals.get(e);
      counted += ev.countedGts();
      for (int d = 0; d < Math.min(maxDet, ev.scores().length); d++) {
        entries.add(new double[] {ev.scores()[d], e, d});
      }
    }
    if (counted == 0) {
      return;
    }
    entries.sort(Comparator.comparingDouble(x -> -x[0])); // stable, like numpy's mergesort
    int nd = entries.size();
    for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
      double[] rc = new double[nd];
      double[] pr = new double[nd];
      double tp = 0;
      double fp = 0;
      int n = 0;
      for (double[] x : entries) {
        ImageEval ev = evals.get((int) x[1]);
        int d = (int) x[2];
        boolean ig = ev.ignored()[t][d];
        boolean hit = ev.matched()[t][d];
        tp += hit && !ig ? 1 : 0;
        fp += !hit && !ig ? 1 : 0;
        rc[n] = tp / counted;
        pr[n] = tp / (fp + tp + Math.ulp(1.0));
        n++;
      }
      recall[t][k][a][m] = nd > 0 ? rc[nd - 1] : 0;
      for (int i = nd - 1; i > 0; i--) {
        if (pr[i] > pr[i - 1]) {
          pr[i - 1] = pr[i];
        }
      }
      for (int r = 0; r < RECALL_THRESHOLDS.length; r++) {
        int idx = searchLeft(rc, RECALL_THRESHOLDS[r]);
        precision[t][r][k][a][m] = idx < nd ? pr[idx] : 0;
      }
    }
  }

  /** numpy.searchsorted(side='left'): the first index whose value is ≥ {@code v}. */
  private static int searchLeft(double[] sorted, double v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static double[] summarize(double[][][][][] precision, double[][][][] recall) {
    double[] s = new double[12];
    s[0] = meanPrecision(precision, -1, 0, 2);
    s[1] = meanPrecision(precision, 0, 0, 2);
    s[2] = meanPrecision(precision, 5, 0, 2);
    s[3] = meanPrecision(precision, -1, 1, 2);
    s[4] = meanPrecision(precision, -1, 2, 2);
    s[5] = meanPrecision(precision, -1, 3, 2);
    s[6] = meanRecall(recall, 0, 0);
    s[7] = meanRecall(recall, 0, 1);
    s[8] = meanRecall(recall, 0, 2);
    s[9] = meanRecall(recall, 1, 2);
    s[10] = meanRecall(recall, 2, 2);
    s[11] = meanRecall(recall, 3, 2);
    return s;
  }

  /** Mean of the defined (≥ 0) precisions at one IoU index (or all, -1), area and max-dets index. */
  static double meanPrecision(double[][][][][] p, int t, int a, int m) {
    double sum = 0;
    int n = 0;
    for (int ti = 0; ti < p.length; ti++) {
      if (t >= 0 && ti != t) {
        continue;
      }
      for (double[][][] byRecall : p[ti]) {
        for (double[][] byCategory : byRecall) {
          double v = byCategory[a][m];
          if (v > -1) {
            sum += v;
            n++;
          }
        }
      }
    }
    return n == 0 ? -1 : sum / n;
  }

  private static double meanRecall(double[][][][] r, int a, int m) {
    double sum = 0;
    int n = 0;
    for (double[][][] t : r) {
      for (double[][] k : t) {
        double v = k[a][m];
        if (v > -1) {
          sum += v;
          n++;
        }
      }
    }
    return n == 0 ? -1 : sum / n;
  }
}
