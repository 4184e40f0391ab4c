package dev.reparo.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.data.LabeledDataset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A COCO evaluation with its per-class breakdown: the pycocotools summary, then one {@link
 * ClassMetrics} per category in id order. Immutable and thread-safe.
 *
 * @param images all images evaluated
 * @param instances all non-crowd boxes
 */
public record EvalReport(CocoMetrics metrics, List<ClassMetrics> classes, int images, int instances) {
  /** The names of {@link CocoMetrics#stats()}, in order, as keys of the JSON summary. */
  public static final List<String> STAT_NAMES =
      List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl");

  public EvalReport {
    classes = List.copyOf(classes);
  }

  /** Evaluates {@code results} on every image and category of {@code data}. */
  public static EvalReport evaluate(LabeledDataset data, List<CocoEvaluator.Result> results) {
    List<CocoEvaluator.GroundTruth> gts = groundTruth(data);
    List<Long> images = data.imageIds();
    CocoMetrics m = CocoEvaluator.evaluate(gts, results, images, List.copyOf(data.categories().keySet()));
    return of(m, gts, images, data.categories());
  }

  /** A dataset's labels as the evaluator's ground truth (COCO and YOLO datasets alike). */
  public static List<CocoEvaluator.GroundTruth> groundTruth(LabeledDataset data) {
    return data.labels().stream()
        .map(l -> new CocoEvaluator.GroundTruth(l.id(), l.imageId(), l.categoryId(), l.bbox(), l.area(), l.crowd()))
        .toList();
  }

  /**
   * Breaks {@code metrics} down by class; {@code names} maps category ids to names (a missing
   * name prints as the id).
   */
  public static EvalReport of(CocoMetrics metrics, List<CocoEvaluator.GroundTruth> gts, List<Long> imageIds,
      Map<Long, String> names) {
    Map<Long, Integer> instances = new HashMap<>();
    Map<Long, Set<Long>> images = new HashMap<>();
    Set<Long> evaluated = new HashSet<>(imageIds);
    int total = 0;
    for (CocoEvaluator.GroundTruth g : gts) {
      if (g.crowd() || !evaluated.contains(g.imageId())) {
        continue;
      }
      instances.merge(g.categoryId(), 1, Integer::sum);
      images.computeIfAbsent(g.categoryId(), k -> new HashSet<>()).add(g.imageId());
      total++;
    }
    List<ClassMetrics> rows = new ArrayList<>();
    for (long cat : metrics.categoryIds()) {
      rows.add(new ClassMetrics(cat, names.getOrDefault(cat, Long.toString(cat)),
          images.getOrDefault(cat, Set.of()).size(), instances.getOrDefault(cat, 0), metrics.categoryAp50(cat),
          metrics.categoryAp(cat)));
    }
    return new EvalReport(metrics, rows, evaluated.size(), total);
  }

  /** The per-class table: a header, an "all" row, then a row per class; "-" where AP is undefined. */
  public String classTable() {
    int width = 5;
    for (ClassMetrics c : classes) {
      width = Math.max(width, c.name().length());
    }
    String row = "%" + width + "s %9s %10s %8s %8s%n";
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(row, "class", "images", "instances", "AP50", "AP50-95"));
    sb.append(String.format(row, "all", images, instances, ap(metrics.map50()), ap(metrics.map())));
    for (ClassMetrics c : classes) {
      sb.append(String.format(row, c.name(), c.images(), c.instances(), ap(c.ap50()), ap(c.ap())));
    }
    return sb.toString();
  }

  private static String ap(double v) {
    return v < 0 ? "-" : String.format("%.3f", v);
  }

  /**
   * As JSON: {@code summary} (the twelve pycocotools numbers by {@link #STAT_NAMES}), {@code
   * images}, {@code instances} and {@code classes} (id, name, images, instances, ap50, ap50_95).
   * Undefined values are -1, as pycocotools reports them.
   */
  public ObjectNode toJson() {
    ObjectNode root = new ObjectMapper().createObjectNode();
    ObjectNode summary = root.putObject("summary");
    for (int i = 0; i < STAT_NAMES.size(); i++) {
      summary.put(STAT_NAMES.get(i), metrics.stats()[i]);
    }
    root.put("images", images);
    root.put("instances", instances);
    ArrayNode rows = root.putArray("classes");
    for (ClassMetrics c : classes) {
      rows.addObject().put("id", c.categoryId()).put("name", c.name()).put("images", c.images())
          .put("instances", c.instances()).put("ap50", c.ap50()).put("ap50_95", c.ap());
    }
    return root;
  }
}
