package dev.reparo.cli;

import dev.reparo.ReparoException;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.eval.CocoEvaluator;
import dev.reparo.eval.CocoMetrics;
import dev.reparo.image.ImageLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    "as pycocotools does, printed in its familiar 12-line layout.",
    "",
    "Examples:",
    "  reparo eval --model yolo.onnx --dataset val/annotations.json --images val/images",
    "  reparo eval --gt val/annotations.json --detections dets.json"})
final class EvalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "model to run on the dataset's images")
  Path model;

  @Option(names = {"--dataset", "--gt"}, required = true, paramLabel = "COCO.json", description = "ground truth (COCO format)")
  Path dataset;

  @Option(names = "--images", paramLabel = "DIR", description = "the dataset's images (default: 'images' beside COCO.json)")
  Path images;

  @Option(names = "--detections", paramLabel = "FILE", description = "COCO results JSON to score instead of running a model")
  Path detections;

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
    if (!Files.isRegularFile(dataset)) {
      throw new CliException(dataset + ": no such file");
    }
    PrintWriter o = spec.commandLine().getOut();
    List<CocoEvaluator.GroundTruth> gts = CocoEvaluator.readGroundTruth(dataset);
    List<Long> imageIds = CocoEvaluator.readImageIds(dataset);
    List<Long> catIds = CocoEvaluator.readCategoryIds(dataset);
    List<CocoEvaluator.Result> results = detections != null ? CocoEvaluator.readResults(detections)
        : runModel(o);
    CocoMetrics m = CocoEvaluator.evaluate(gts, results, imageIds, catIds);
    o.print(m.format());
    o.flush();
    return 0;
  }

  private List<CocoEvaluator.Result> runModel(PrintWriter o) throws Exception {
    Path dir = images != null ? images : dataset.toAbsolutePath().getParent().resolve("images");
    DetectCommand.CocoIds ids = DetectCommand.CocoIds.read(dataset);
    DetectorOptions.Builder b = DetectorOptions.builder().backend(InferCommand.backendKind(backend)).threads(threads)
        .confThreshold(conf).iouThreshold(iou).maxDetections(maxDet);
    meta.forEach(b::metadata);
    headOption.applyTo(b);
    List<CocoEvaluator.Result> results = new ArrayList<>();
    try (Detector d = Detector.open(model, b.build())) {
      HeadOption.report(d, o, spec.commandLine().getErr());
      ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "eval", ids.images().size());
      for (Map.Entry<String, Integer> img : ids.images().entrySet().stream().sorted(Map.Entry.comparingByValue()).toList()) {
        Path file = dir.resolve(img.getKey());
        if (!Files.isRegularFile(file)) {
          throw new CliException(file + ": listed in " + dataset + " but missing");
        }
        List<Detection> dets;
        try {
          dets = d.detect(ImageLoader.read(file));
        } catch (ReparoException e) {
          throw new CliException("cannot evaluate on " + file + ": " + e.getMessage());
        }
        for (Detection det : dets) {
          results.add(new CocoEvaluator.Result(img.getValue(), ids.categoryId(det.label()),
              new double[] {det.x1(), det.y1(), det.width(), det.height()}, det.score()));
        }
        bar.step();
      }
      o.printf("%d images, %d detections (conf %.3f, NMS IoU %.2f) in %.1f s%n", ids.images().size(), results.size(),
          conf, iou, bar.elapsedSeconds());
    }
    return results;
  }
}
