package dev.reparo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.data.LabeledDataset;
import dev.reparo.detect.DetectParams;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.eval.ClassMetrics;
import dev.reparo.eval.CocoEvaluator;
import dev.reparo.eval.DatasetEvaluator;
import dev.reparo.eval.EvalReport;
import dev.reparo.eval.PrCurvePlot;
import dev.reparo.io.AtomicFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo eval}: COCO bbox metrics, of a model on a dataset or of a results file. */
@Command(name = "eval", sortOptions = false, description = {
    "COCO bounding-box metrics (AP@[.5:.95], AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l), computed",
    "as pycocotools does, printed in its familiar 12-line layout, then a per-class table (images,",
    "instances, AP50, AP50-95) as 'yolo val' prints. The dataset is COCO JSON or the Ultralytics",
    "YOLO layout (data.yaml with images/ and labels/*.txt).",
    "",
    "Examples:",
    "  reparo eval --model yolo.onnx --data val/annotations.json --images val/images",
    "  reparo eval --model yolo.onnx --data coco8/data.yaml --json metrics.json --plots plots/",
    "  reparo eval --gt val/annotations.json --detections dets.json"})
final class EvalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "model to run on the dataset's images")
  Path model;

  @Option(names = {"--data", "--dataset", "--gt"}, required = true, paramLabel = "DATA",
      description = "ground truth: COCO JSON, or a YOLO data.yaml (or its folder)")
  Path dataset;

  @Option(names = "--images", paramLabel = "DIR", description = "COCO only: the dataset's images (default: 'images' beside the JSON)")
  Path images;

  @Option(names = "--split", defaultValue = "val", description = "YOLO only: the data.yaml split to evaluate (default ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--detections", paramLabel = "FILE", description = "COCO results JSON to score instead of running a model")
  Path detections;

  @Option(names = "--json", paramLabel = "FILE", description = "write the summary and per-class metrics as JSON")
  Path json;

  @Option(names = "--plots", paramLabel = "DIR", description = "draw a precision-recall curve (IoU 0.50) per class: DIR/PR_<class>.png")
  Path plots;

  @Option(names = "--conf", defaultValue = "0.001", description = "confidence threshold for mAP (default ${DEFAULT-VALUE})")
  float conf;

  @Option(names = "--iou", defaultValue = "0.6", description = "NMS IoU threshold for mAP (default ${DEFAULT-VALUE})")
  float iou;

  @Option(names = "--max-det", defaultValue = "100", description = "detections kept per image (default ${DEFAULT-VALUE}, COCO's)")
  int maxDet;

  @Option(names = "--threads", defaultValue = "0", description = "inference threads (0: the fastest count, measured once per model and machine)")
  int threads;

  @Option(names = "--backend", defaultValue = "ncnn", description = "ncnn (default), onnxruntime, tensorrt or auto")
  String backend;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "supply model metadata the model lacks")
  Map<String, String> meta = new java.util.LinkedHashMap<>();

  @picocli.CommandLine.Mixin
  HeadOption headOption = new HeadOption();

  @Override
  public Integer call() throws Exception {
    if ((model == null) == (detections == null)) {
      throw new CliException("give either --model (run it on the dataset) or --detections (score a results file)");
    }
    if (!Files.exists(dataset)) {
      throw new CliException(dataset + ": no such file");
    }
    PrintWriter o = spec.commandLine().getOut();
    LabeledDataset data = LabeledDataset.open(dataset, images, split);
    List<CocoEvaluator.Result> results = detections != null ? CocoEvaluator.readResults(detections)
        : runModel(data, o);
    EvalReport report = EvalReport.evaluate(data, results);
    o.print(report.metrics().format());
    o.println();
    o.print(report.classTable());
    if (json != null) {
      AtomicFiles.write(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(report.toJson()));
      o.println("metrics in " + json);
    }
    if (plots != null) {
      int n = writePlots(report, plots);
      o.println(n + " precision-recall curves in " + plots);
    }
    o.flush();
    return 0;
  }

  /** One PNG per class with boxes; returns how many. */
  static int writePlots(EvalReport report, Path dir) throws java.io.IOException {
    Files.createDirectories(dir);
    int n = 0;
    for (ClassMetrics c : report.classes()) {
      if (c.instances() == 0) {
        continue; // no curve without ground truth
      }
      String title = String.format("%s  AP50 %.3f  AP50-95 %.3f", c.name(), c.ap50(), c.ap());
      String file = "PR_" + c.name().replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
      AtomicFiles.write(dir.resolve(file), PrCurvePlot.png(title, report.metrics().precisionCurve50(c.categoryId())));
      n++;
    }
    return n;
  }

  private List<CocoEvaluator.Result> runModel(LabeledDataset data, PrintWriter o) throws Exception {
    DetectParams params = new DetectParams(conf, iou, maxDet, false, null); // refuses bad thresholds before loading
    DetectorOptions.Builder b = DetectorOptions.builder().backend(InferCommand.backendKind(backend)).threads(threads)
        .confThreshold(conf).iouThreshold(iou).maxDetections(maxDet);
    meta.forEach(b::metadata);
    headOption.applyTo(b);
    try (Detector d = Detector.open(model, b.build())) {
      HeadOption.report(d, o, spec.commandLine().getErr());
      ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "eval", data.images().size());
      List<CocoEvaluator.Result> results = DatasetEvaluator.detect(d, data, params, bar::step);
      o.printf("%d images, %d detections (conf %.3f, NMS IoU %.2f) in %.1f s%n", data.images().size(), results.size(),
          conf, iou, bar.elapsedSeconds());
      return results;
    }
  }
}
