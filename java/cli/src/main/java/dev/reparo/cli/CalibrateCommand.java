package dev.reparo.cli;

import dev.reparo.Progress;
import dev.reparo.backend.DeployedModel;
import dev.reparo.data.LabeledDataset;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.graph.Graph;
import dev.reparo.ncnn.MixedPrecisionSearch;
import dev.reparo.ncnn.NcnnCalibrator;
import dev.reparo.quant.CalibrationMethod;
import dev.reparo.quant.DistributionShift;
import dev.reparo.quant.GroupedInt8Layers;
import dev.reparo.quant.DepthwiseLayers;
import dev.reparo.quant.ImageInputLayers;
import dev.reparo.quant.Int8ModelWriter;
import dev.reparo.quant.QuantizableLayer;
import dev.reparo.quant.WeightScaling;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo calibrate}: FP32 model + images in, int8 ncnn model, Q/DQ ONNX and table out. */
@Command(name = "calibrate", sortOptions = false, description = {
    "Quantize a model to int8: run it in FP32 on calibration images (with detect's own",
    "pre-processing), collect statistics of every Convolution/InnerProduct input, choose scales.",
    "",
    "Writes into --out a converted model that detect/eval run like any other: model.param +",
    "model.bin (ncnn int8), model.qdq.onnx (QuantizeLinear/DequantizeLinear for TensorRT and",
    "ONNX Runtime), model.table (ncnn2table format), model.fused.onnx and model.json.",
    "",
    "Weights get one int8 scale per output channel (--per-channel, the default) or one per weight",
    "tensor (--no-per-channel: coarser, for runtimes or hardware without per-channel support).",
    "",
    "The convolution that reads the image (the stem: 3 input channels) stays FP32 unless --int8-stem:",
    "ncnn must quantize the whole image before an int8 stem, which made it 2x slower than in FP32, and",
    "its error reaches every later layer.",
    "",
    "By default (--method auto) each layer's threshold is whichever of kl, aciq, eq, minmax and",
    "percentile keeps the whole model's outputs closest (cosine) to FP32 on the first calibration",
    "images, and mixed precision is on: with every layer int8 the previous demo model lost 1.1-2.3 pt",
    "mAP@0.5:0.95 (kl: 3-5 pt), auto + mixed (target " + MixedPrecisionSearch.DEFAULT_TARGET
        + ") 0.1-0.2 pt (benchmarks/README.md); the current one 0.2-0.3 pt with the defaults.",
    "",
    "From " + CalibrateCommand.MIN_FOR_HOLD_BACK + " images on, 1/5 of them (at most "
        + CalibrateCommand.MAX_HELD_BACK + ") is held back and the int8 model's",
    "detections are compared with FP32's there: calibrate prints that agreement and the mAP drop",
    "it predicts, as an estimate. It warns below " + CalibrateCommand.MIN_IMAGES + " images ("
        + CalibrateCommand.MIN_IMAGES_ALL_INT8 + " with --no-mixed).",
    "",
    "Calibrate also checks that the images look like the model's training images: on up to "
        + TrainingDistributionCheck.MAX_IMAGES + " of them it",
    "runs the training-form ONNX and compares each BatchNorm's input with the running mean and variance",
    "training left in it; far from them (as on noise images) it warns. Fused models carry no such statistics.",
    "",
    "Mixed precision keeps the layers int8 hurts most in FP32: each layer's sensitivity is the model-output",
    "cosine to FP32 with only that layer in int8; from all-int8, the most sensitive layers move to",
    "FP32 one at a time until the mean output cosine (all outputs, first " + MixedPrecisionSearch.DEFAULT_IMAGES
        + " calibration",
    "images, run on ncnn) reaches --target. The layers kept in FP32 are printed and written to",
    "mixed.json.",
    "",
    "Examples:",
    "  reparo calibrate --model yolo.onnx --images val/images --out build/int8",
    "  reparo calibrate -m yolo.onnx --images val/images --method kl --no-mixed --out build/all-int8",
    "  reparo calibrate -m yolo.onnx --images val/images --target 0.999 --out build/faster"})
final class CalibrateCommand implements Callable<Integer> {
  static final String MIXED_JSON = "mixed.json";

  /**
   * Fewer calibration images than this draw a warning, with mixed precision on (the default).
   * Measured on the demo model (benchmarks/README.md, "INT8: calibration defaults"): the default's
   * mAP@0.5:0.95 drop is 0.3 pt from 16 images up to 64 and 0.5 pt at 6.
   */
  static final int MIN_IMAGES = 16;
  /**
   * The same with {@code --no-mixed} (every layer int8): there the thresholds alone carry the
   * accuracy, and kl's drop on the demo model was 19.5 pt at 6 images, 10 at 16, 6.8 at 32, 4.5 at
   * 64 and 4.8 at 160: it stops growing from 64.
   */
  static final int MIN_IMAGES_ALL_INT8 = 64;
  /** Images held back for the accuracy estimate: 1/5 of them, at most this many... */
  static final int MAX_HELD_BACK = 50;
  /** ...and only when at least this many images are given (else the estimate uses calibration images). */
  static final int MIN_FOR_HOLD_BACK = 40;

  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
      description = ".onnx (converted on first use) or a converted model")
  Path model;

  @Option(names = "--images", paramLabel = "DIR", description = "directory of calibration images")
  Path images;

  @Option(names = "--data", paramLabel = "DATA",
      description = "or calibrate on a dataset's images: COCO JSON (images/ beside it) or a YOLO data.yaml (its val split)")
  Path data;

  @Option(names = "--count", defaultValue = "500", description = "use the first N images, sorted by name (default ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--method", defaultValue = "auto", description = "auto, kl, aciq, eq, minmax or percentile (default"
      + " ${DEFAULT-VALUE}: per layer, the method whose threshold keeps the model's outputs closest to FP32)")
  String method;

  @Option(names = "--percentile", defaultValue = "99.99", description = "for --method percentile (default ${DEFAULT-VALUE})")
  double percentile;

  @Option(names = "--per-channel", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "one weight scale per output channel (default); --no-per-channel: one per weight tensor")
  boolean perChannel;

  @Option(names = "--int8-stem", description = "quantize the layers that read the image too (default: FP32)")
  boolean int8Stem;

  @Option(names = "--int8-depthwise", description = "quantize depth-wise convolutions too (default: FP32, because"
      + " ncnn's int8 depth-wise kernels are slower than its FP32 ones on x86: YOLOv5-Lite-s int8 ran 1.48x faster than"
      + " FP32 with them in FP32, 1.19x with them in int8; ARM not measured)")
  boolean int8Depthwise;

  @Option(names = "--mixed", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "keep the layers int8 hurts most in FP32 until the output cosine reaches --target; writes"
          + " mixed.json (default); --no-mixed: every layer int8 but the stem and the depth-wise ones")
  boolean mixed;

  @Option(names = "--target", paramLabel = "COSINE", description = "mixed precision's mean output cosine to FP32"
      + " to reach, in [0, 1] (default " + MixedPrecisionSearch.DEFAULT_TARGET + ")")
  Double target;

  @Option(names = "--estimate", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "hold back part of the images (1/5, at most " + MAX_HELD_BACK + ", from " + MIN_FOR_HOLD_BACK
          + " images) and print int8's estimated mAP drop on them (default); --no-estimate calibrates on all")
  boolean estimate;

  @Option(names = "--threads", defaultValue = "0", description = "worker threads (0: one per core)")
  int threads;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "supply model metadata, as for detect")
  Map<String, String> meta = new LinkedHashMap<>();

  @picocli.CommandLine.Mixin
  HeadOption headOption = new HeadOption();

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "output directory (created if missing)")
  Path out;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (count < 1) {
      throw new CliException("--count must be at least 1, got " + count);
    }
    if ((images == null) == (data == null)) {
      throw new CliException("give either --images DIR or --data DATA (the calibration images)");
    }
    if (target != null && !mixed) {
      throw new CliException("--target sets the goal of mixed precision, which --no-mixed turns off");
    }
    double goal = target == null ? MixedPrecisionSearch.DEFAULT_TARGET : target;
    if (!(goal >= 0 && goal <= 1)) {
      throw new CliException("--target must be a cosine in [0, 1], got " + target);
    }
    CalibrationMethod m = CalibrationMethod.parse(method);
    WeightScaling scaling = perChannel ? WeightScaling.PER_CHANNEL : WeightScaling.PER_TENSOR;
    DeployedModel fp32 = dev.reparo.convert.ModelLocator.locate(model);
    List<Path> all = images != null ? DetectCommand.listImages(images)
        : LabeledDataset.open(data).images().stream().map(LabeledDataset.Image::file).sorted().toList();
    List<Path> used = all.subList(0, Math.min(count, all.size()));
    if (all.size() < count) {
      err.printf("warning: %s has %d images, fewer than --count %d; calibrating on all of them%n",
          images != null ? images : data, all.size(), count);
    }
    int held = estimate && used.size() >= MIN_FOR_HOLD_BACK ? Math.min(MAX_HELD_BACK, used.size() / 5) : 0;
    List<Path> heldBack = used.subList(used.size() - held, used.size());
    List<Path> calib = used.subList(0, used.size() - held);
    int minimum = mixed ? MIN_IMAGES : MIN_IMAGES_ALL_INT8;
    if (calib.size() < minimum) {
      err.printf("warning: calibrating on %d image%s; below %d%s the int8 model loses more accuracy, as the"
          + " thresholds follow the few activations seen (on Reparo's demo model, mAP@0.5:0.95 lost: kl with every"
          + " layer int8 19.5 pt on 6 images, 4.5 on 64; the default 0.5 on 6, 0.3 from 16); give %d or more images"
          + " like the ones the model will see%n", calib.size(), calib.size() == 1 ? "" : "s", minimum,
          mixed ? "" : " with --no-mixed", minimum);
    }
    DetectorOptions.Builder det = DetectorOptions.builder();
    meta.forEach(det::metadata);
    headOption.applyTo(det);
    Bars bars = new Bars(err);
    Graph lowered = QuantizableLayer.lowered(fp32);
    List<String> stemLayers = int8Stem ? List.of() : ImageInputLayers.find(lowered);
    // what stays FP32 anyway: the stem and the layers ncnn gets wrong in int8
    List<String> depthwise = int8Depthwise ? List.of() : DepthwiseLayers.find(lowered);
    List<String> fixed = new java.util.ArrayList<>(stemLayers);
    fixed.addAll(depthwise);
    fixed.addAll(GroupedInt8Layers.find(lowered));
    NcnnCalibrator.Options options = NcnnCalibrator.Options.of(m).withPercentile(percentile).withThreads(threads)
        .withWeightScaling(scaling).withDetector(det.build()).withProgress(bars).withFp32Layers(fixed);
    long t0 = System.nanoTime();
    NcnnCalibrator.Result r = NcnnCalibrator.calibrate(fp32, calib, options);
    for (String s : r.skipped()) {
      err.println("warning: skipped " + s);
    }
    List<String> stem = stemLayers.stream().filter(r.table()::quantizes).toList();
    MixedPrecisionSearch.Result mix = null;
    if (mixed) {
      mix = MixedPrecisionSearch.search(fp32, r.table().without(fixed), calib, MixedPrecisionSearch.Options.of(goal)
          .withThreads(threads).withDetector(det.build()).withProgress(bars));
      if (!mix.reached()) {
        err.printf("warning: --target %s is not reached even with every layer in FP32 (cosine %.6f); the model has"
            + " no int8 layer left%n", goal, mix.cosine());
      }
      mix.write(out.resolve(MIXED_JSON)); // before model.json, which marks the directory complete
    }
    List<String> chosenFp32 = new java.util.ArrayList<>(stem);
    chosenFp32.addAll(depthwise.stream().filter(r.table()::quantizes).toList());
    Int8ModelWriter.Options writeOptions = Int8ModelWriter.Options.defaults().withWeightScaling(scaling)
        .withKeepFp32(keptFp32(chosenFp32, mix));
    Int8ModelWriter.Result w = Int8ModelWriter.write(fp32, r.table(), writeOptions, out);
    double seconds = (System.nanoTime() - t0) / 1e9;
    o.printf("Calibrated %s on %d images (%d skipped%s) with %s, %s weights in %.1f s -> %s%n", model, r.images(),
        r.skipped().size(), held > 0 ? ", " + held + " more held back for the estimate" : "", m.cliName(),
        scaling.cliName(), seconds, out);
    o.printf("%d layers run in int8 on ncnn%s; %d ONNX nodes have Q/DQ inputs%s%n", w.int8Layers().size(),
        w.fp32Layers().isEmpty() ? "" : ", " + w.fp32Layers().size() + " kept in FP32"
            + (stem.isEmpty() ? "" : " (the stem: " + String.join(", ", stem) + "; --int8-stem quantizes it)")
            + (depthwise.isEmpty() ? "" : " (" + depthwise.size() + " depth-wise; --int8-depthwise quantizes them)"),
        w.qdqNodes().size(),
        w.qdqSkipped().isEmpty() ? "" : " (no Q/DQ ONNX: " + w.qdqSkipped() + ")");
    if (!w.faulty().isEmpty()) {
      o.printf("kept in FP32 because ncnn's int8 kernels compute them wrongly (grouped convolutions with groups of a"
          + " multiple of 8 channels): %s%n", String.join(", ", w.faulty()));
    }
    o.println();
    o.printf("%-48s %-20s %10s %10s %-10s %9s%n", "layer (worst first)", "type", "max |x|", "threshold", "method",
        "cosine");
    for (NcnnCalibrator.LayerResult l : r.worstFirst()) {
      o.printf("%-48s %-20s %10.4g %10.4g %-10s %9.5f%n", abbreviate(l.layer()), l.type(), l.absmax(), l.threshold(),
          l.method().cliName(), l.cosine());
    }
    if (r.auto() != null) {
      printAuto(o, r.auto());
    }
    if (mix != null) {
      printMixed(o, mix);
    }
    printDistribution(o, err, TrainingDistributionCheck.measure(model,
        dev.reparo.detect.DetectionTask.forModel(fp32, det.build()).preprocessing(), calib));
    if (estimate) {
      boolean own = heldBack.isEmpty();
      List<Path> on = own ? calib.subList(0, Math.min(MAX_HELD_BACK, calib.size())) : heldBack;
      HeldBackEstimate.Result e;
      try {
        e = HeldBackEstimate.measure(fp32.dir(), out, on, det.build());
      } catch (dev.reparo.ReparoException x) {
        e = null;
        o.println();
        o.println("Accuracy estimate: none, the model's detections cannot be decoded: " + x.getMessage());
      }
      if (e == null) {
        // said above
      } else if (Double.isNaN(e.map())) {
        o.println();
        o.printf("Accuracy estimate: FP32 detects nothing at conf %.2f on the %d %s images; no estimate%n",
            HeldBackEstimate.LABEL_CONF, e.images(), own ? "calibration" : "held-back");
      } else {
        o.println();
        o.printf("Estimated accuracy (an estimate: int8 detections scored against FP32's at conf >= %.2f, %d boxes,"
            + " not against labels) on %d %s: mAP@0.5 %.3f, mAP@0.5:0.95 %.3f (1 = same detections as FP32)%n",
            HeldBackEstimate.LABEL_CONF, e.labels(), e.images(),
            own ? "calibration images (too few to hold any back: optimistic)" : "held-back calibration images",
            e.map50(), e.map());
        o.printf("expected mAP@0.5:0.95 drop against labels: about %.1f pt (%s); measure it with reparo eval%n",
            HeldBackEstimate.expectedDrop(e), HeldBackEstimate.EXPECTED_DROP_BASIS);
      }
    }
    o.flush();
    return 0;
  }

  private static void printAuto(PrintWriter o, NcnnCalibrator.AutoSearch a) {
    o.println();
    o.printf("auto, on %d calibration images: int8 vs FP32 detections (mAP@0.5:0.95 against FP32's boxes at conf"
        + " 0.25; 1 = identical) and raw-output cosine%n", a.images());
    a.methods().forEach((k, v) -> o.printf("  %-17s %8s %10.5f%n", k.cliName() + " alone", map(v.map()),
        v.cosine()));
    o.printf("  %-17s %8s %10.5f  (per layer, starting from %s)%n", "chosen", map(a.chosen().map()),
        a.chosen().cosine(), a.start().cliName());
  }

  private static void printDistribution(PrintWriter o, PrintWriter err, TrainingDistributionCheck.Outcome c) {
    o.println();
    if (c.report() == null) {
      o.println("Training-distribution check: none; " + c.unavailable());
      return;
    }
    DistributionShift.Report r = c.report();
    o.printf("Training-distribution check on %d calibration images (BatchNorm inputs of the training-form model vs"
        + " their running statistics, %d layers): mean shift %.3f sd (limit %.2f), variance change %.3f (|ln"
        + " ratio|, limit %.2f)%n", r.images(), r.layers().size(), r.meanShift(), DistributionShift.MEAN_SHIFT_LIMIT,
        r.varianceChange(), DistributionShift.VARIANCE_CHANGE_LIMIT);
    StringBuilder worst = new StringBuilder();
    for (DistributionShift.Layer l : r.worst(3)) {
      worst.append(worst.length() == 0 ? "" : ", ").append(String.format("%s (%.2f, %.2f)", l.layer(), l.meanShift(),
          l.varianceChange()));
    }
    o.println("  furthest layers (mean shift, variance change): " + worst);
    if (r.unlike()) {
      err.printf("warning: the calibration images look unlike the model's training images (BatchNorm inputs: mean"
          + " shift %.2f sd, variance change %.2f; limits %.2f and %.2f; furthest: %s); int8 scales fitted to"
          + " them may not suit the images the model will see: calibrate on images like those%n", r.meanShift(),
          r.varianceChange(), DistributionShift.MEAN_SHIFT_LIMIT, DistributionShift.VARIANCE_CHANGE_LIMIT, worst);
      err.flush();
    }
  }

  private static String map(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.4f", v);
  }

  private static List<String> keptFp32(List<String> chosen, MixedPrecisionSearch.Result mix) {
    java.util.LinkedHashSet<String> kept = new java.util.LinkedHashSet<>(chosen);
    if (mix != null) {
      kept.addAll(mix.keptLayerNames());
    }
    return List.copyOf(kept);
  }

  private static void printMixed(PrintWriter o, MixedPrecisionSearch.Result mix) {
    o.println();
    o.printf("Mixed precision on %d images: output cosine to FP32 %.6f with every layer in int8, target %s%n",
        mix.images(), mix.int8Cosine(), mix.target());
    if (mix.keptFp32().isEmpty()) {
      o.println("every layer stays int8: the target is met");
    } else {
      o.printf("%-48s %-20s %12s %12s%n", "layer kept in FP32", "type", "cos alone", "model cos");
      for (MixedPrecisionSearch.Kept k : mix.keptFp32()) {
        o.printf("%-48s %-20s %12.6f %12.6f%n", abbreviate(k.layer().layer()), k.layer().type(), k.layer().cosine(),
            k.modelCosine());
      }
    }
    o.printf("final output cosine %.6f (%s); %d of %d layers in FP32; see %s%n", mix.cosine(),
        mix.reached() ? "target met" : "target NOT met", mix.keptFp32().size(), mix.sensitivity().size(), MIXED_JSON);
  }

  private static String abbreviate(String s) {
    return s.length() <= 48 ? s : "…" + s.substring(s.length() - 47);
  }

  /** One progress bar per phase; calibration workers report from many threads. */
  private static final class Bars implements Progress {
    private final PrintWriter err;
    private String phase;
    private ProgressBar bar;

    Bars(PrintWriter err) {
      this.err = err;
    }

    @Override
    public synchronized void step(String phase, long done, long total) {
      if (!phase.equals(this.phase)) {
        this.phase = phase;
        bar = new ProgressBar(err, String.format("%-12s", phase), (int) total);
      }
      bar.advanceTo((int) done);
    }
  }
}
