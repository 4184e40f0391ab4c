package dev.reparo.cli;

import dev.reparo.backend.Artefact;
import dev.reparo.backend.Backend;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.MachineFingerprint;
import dev.reparo.bench.BenchmarkReport;
import dev.reparo.bench.BenchmarkResult;
import dev.reparo.bench.BenchmarkRunner;
import dev.reparo.bench.ModelQuality;
import dev.reparo.convert.ModelConverter;
import dev.reparo.convert.ModelLocator;
import dev.reparo.data.LabeledDataset;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.eval.CocoMetrics;
import dev.reparo.eval.DatasetEvaluator;
import dev.reparo.graph.ModelSummary;
import dev.reparo.io.FileTrees;
import dev.reparo.onnx.Onnx;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo bench}: every backend on the same converted model, in one process. */
@Command(name = "bench", sortOptions = false, description = {
    "Time backends on the same converted model in one process: model load time, p50/p90/p99",
    "latency, images/s, peak RSS, achieved GFLOP/s and the speed-up over the first backend. Writes bench.md,",
    "bench.csv and bench.png into --out.",
    "",
    "A backend name may carry a suffix: NAME-unfused runs the model as exported (multi-branch RepVGG",
    "blocks, BatchNorm layers; --model must be an .onnx), NAME-int8 runs the int8 model that",
    "'reparo calibrate' wrote into --int8 DIR (ncnn: int8 param/bin; onnxruntime: the Q/DQ ONNX).",
    "GFLOP/s always counts the fused model's work, so every row compares useful throughput.",
    "Model MB is what each backend loads; with --data DATA each backend's model is also scored (COCO",
    "mAP50 and mAP50-95, as 'reparo eval' computes them), so speed and accuracy are one table.",
    "",
    "Example:  reparo bench --model yolo.onnx --int8 build/yolo-int8 \\",
    "            --backends ncnn,ncnn-unfused,ncnn-int8,onnxruntime,onnxruntime-int8 --threads 1,2 --data val/data.yaml"})
final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
      description = ".onnx (converted on first use, cached) or a converted model")
  Path model;

  @Option(names = "--backends", split = ",", paramLabel = "NAME",
      description = "backends in order, the first is the baseline (default: every available one, ncnn first, "
          + "then ncnn-unfused for an .onnx model and the -int8 ones when --int8 is given)")
  List<String> backends;

  @Option(names = "--int8", paramLabel = "DIR", description = "an int8 model from 'reparo calibrate', for the NAME-int8 backends")
  Path int8;

  @Option(names = "--threads", split = ",", defaultValue = "1", paramLabel = "N",
      description = "thread counts to run each backend with (default ${DEFAULT-VALUE}; 0: the backend's default)")
  List<Integer> threads;

  @Option(names = "--warmup", defaultValue = "20", description = "untimed runs first (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--runs", defaultValue = "200", description = "timed runs per case (default ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--input", defaultValue = "0", paramLabel = "SIZE",
      description = "input side for dynamic-size models (default: the model's, else 320)")
  int input;

  @Option(names = "--data", paramLabel = "DATA",
      description = "also measure each backend's accuracy (COCO mAP50, mAP50-95) on this dataset: COCO JSON or YOLO data.yaml")
  Path data;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "supply model metadata the model lacks (for --data)")
  Map<String, String> meta = new LinkedHashMap<>();

  @Option(names = {"-o", "--out"}, defaultValue = "bench", paramLabel = "DIR",
      description = "where bench.md, bench.csv and bench.png go (default ${DEFAULT-VALUE})")
  Path out;

  static final String UNFUSED = "-unfused";
  static final String INT8 = "-int8";

  @Override
  public Integer call() throws Exception {
    BenchmarkRunner.Settings settings = new BenchmarkRunner.Settings(threads, warmup, runs, input);
    LabeledDataset dataset = data == null ? null : LabeledDataset.open(data); // bad data fails before the timing
    DeployedModel deployed = ModelLocator.locate(model);
    DeployedModel int8Model = int8 == null ? null : ModelLocator.locate(int8);
    List<String> names = backends == null || backends.isEmpty() ? defaultNames() : backends;
    Path unfusedDir = null;
    try {
      List<BenchmarkRunner.Case> cases = new ArrayList<>();
      DeployedModel unfused = null;
      for (String raw : names) {
        String name = raw.trim().toLowerCase(Locale.ROOT);
        if (cases.stream().anyMatch(c -> c.name().equals(name))) {
          throw new CliException("backend '" + name + "' is listed twice");
        }
        DeployedModel which = deployed;
        String kind = name;
        if (name.endsWith(UNFUSED)) {
          kind = name.substring(0, name.length() - UNFUSED.length());
          if (unfused == null) {
            if (!model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
              throw new CliException(name + " times the model as exported, so --model must be the .onnx, not " + model);
            }
            unfusedDir = Files.createTempDirectory("reparo-bench-unfused");
            unfused = ModelConverter.convert(model, unfusedDir, false, false).model();
          }
          which = unfused;
        } else if (name.endsWith(INT8)) {
          kind = name.substring(0, name.length() - INT8.length());
          if (int8Model == null) {
            throw new CliException(name + " needs --int8 DIR, a model written by 'reparo calibrate'");
          }
          which = int8Model;
        }
        if (kind.equals("auto")) {
          throw new CliException("bench compares concrete backends; 'auto' picks one of them (leave it out)");
        }
        cases.add(new BenchmarkRunner.Case(name, Backends.find(InferCommand.backendKind(kind)), which));
      }
      PrintWriter o = spec.commandLine().getOut();
      List<BenchmarkResult> results = new BenchmarkRunner().run(cases, settings, line -> {
        o.println(line);
        o.flush();
      });
      Map<String, ModelQuality> quality = quality(cases, dataset, o);
      String machine = MachineFingerprint.current().toString();
      double gflops = ModelSummary.of(Onnx.read(deployed.file(Artefact.ONNX))).gflops();
      BenchmarkReport.write(out, model.getFileName().toString(), machine, gflops, settings, results, quality,
          data == null ? null : data.toString());
      o.println();
      o.print(Files.readString(out.resolve(BenchmarkReport.MARKDOWN)));
      o.println("wrote " + out.resolve(BenchmarkReport.MARKDOWN) + ", " + BenchmarkReport.CSV + ", "
          + BenchmarkReport.CHART);
      o.flush();
      return 0;
    } finally {
      if (unfusedDir != null) {
        FileTrees.delete(unfusedDir);
      }
    }
  }

  /**
   * Each case's model size and, with a dataset, its COCO accuracy: detection with eval's settings
   * (conf 0.001, NMS IoU 0.6, 100 per image) after the timing, so that it disturbs no timing.
   */
  private Map<String, ModelQuality> quality(List<BenchmarkRunner.Case> cases, LabeledDataset dataset, PrintWriter o)
      throws IOException {
    Map<String, ModelQuality> quality = new LinkedHashMap<>();
    int evalThreads = Math.max(1, threads.stream().mapToInt(Integer::intValue).max().orElse(1));
    for (BenchmarkRunner.Case c : cases) {
      double mb = ModelQuality.megabytes(c.model(), c.backend().kind());
      if (dataset == null) {
        quality.put(c.name(), ModelQuality.sizeOnly(mb));
        continue;
      }
      DetectorOptions.Builder b = DetectorOptions.builder().backend(c.backend().kind()).threads(evalThreads);
      meta.forEach(b::metadata);
      try (Detector d = Detector.open(c.model().dir(), b.build())) {
        CocoMetrics m = DatasetEvaluator.evaluate(d, dataset, DatasetEvaluator.MAP_PARAMS).metrics();
        quality.put(c.name(), new ModelQuality(mb, m.map50(), m.map()));
        o.printf(Locale.ROOT, "%-18s accuracy on %d images: mAP50 %.3f, mAP50-95 %.3f%n", c.name(),
            dataset.images().size(), m.map50(), m.map());
        o.flush();
      }
    }
    return quality;
  }

  /** Every available backend (ncnn first), then ncnn's unfused and the int8 variants where they apply. */
  private List<String> defaultNames() {
    List<String> names = new ArrayList<>();
    for (BackendKind kind : BackendKind.values()) {
      for (Backend b : Backends.all()) {
        String n = kind.name().toLowerCase(Locale.ROOT);
        if (b.kind() == kind && kind != BackendKind.AUTO && b.isAvailable() && !names.contains(n)) {
          names.add(n);
        }
      }
    }
    if (names.isEmpty()) {
      throw new CliException("no backend can run here");
    }
    List<String> fused = List.copyOf(names);
    if (fused.contains("ncnn") && model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      names.add("ncnn" + UNFUSED);
    }
    if (int8 != null) {
      for (String n : fused) {
        if (!n.equals("tensorrt")) { // TensorRT builds its own int8 engine from the Q/DQ ONNX only on a GPU
          names.add(n + INT8);
        }
      }
    }
    return names;
  }
}
