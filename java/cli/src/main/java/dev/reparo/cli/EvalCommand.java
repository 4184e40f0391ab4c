package dev.reparo.cli;

import dev.reparo.data.CocoDataset;
import dev.reparo.eval.CocoEvaluator;
import dev.reparo.eval.CocoMetrics;
import dev.reparo.eval.Detection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo eval}: COCO box mAP of a detections file against COCO annotations. */
@Command(name = "eval", description = {
    "Score COCO-format detections against COCO annotations: mAP@0.5:0.95, mAP@0.5, mAP@0.75",
    "and AP per class (COCO's rules: 101 recall points, 100 detections per image and class)."})
final class EvalCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Option(names = "--annotations", required = true, paramLabel = "FILE",
      description = "Ground truth, COCO annotations JSON.")
  Path annotations;

  @Option(names = "--detections", required = true, paramLabel = "FILE",
      description = "Detections, a COCO results JSON array (image_id, category_id, bbox, score).")
  Path detections;

  @Override
  public void run() {
    CocoDataset gt = CocoDataset.read(annotations);
    CocoMetrics m = new CocoEvaluator().evaluate(gt, Detection.readCocoResults(detections));
    Map<Integer, String> names = new HashMap<>();
    gt.categories().forEach(c -> names.put(c.id(), c.name()));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("mAP@0.5:0.95  %.4f%nmAP@0.5       %.4f%nmAP@0.75      %.4f%n", m.map50To95(), m.map50(), m.map75());
    out.printf("%-12s %8s %8s %6s %6s%n", "class", "AP50", "AP50-95", "gt", "dets");
    m.perCategory().forEach((id, ap) -> out.printf("%-12s %8.4f %8.4f %6d %6d%n",
        names.getOrDefault(id, String.valueOf(id)), ap.ap50(), ap.ap50To95(), ap.groundTruths(), ap.detections()));
    out.flush();
  }
}
