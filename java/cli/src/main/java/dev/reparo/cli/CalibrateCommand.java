package dev.reparo.cli;

import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.ncnn.NcnnCalibrator;
import dev.reparo.quant.CalibrationMethod;
import dev.reparo.quant.Int8ModelWriter;
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
    "Example:  reparo calibrate --model yolo.onnx --images val/images --count 500 --method kl --out build/int8"})
final class CalibrateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
      description = ".onnx (converted on first use) or a converted model")
  Path model;

  @Option(names = "--images", required = true, paramLabel = "DIR", description = "directory of calibration images")
  Path images;

  @Option(names = "--count", defaultValue = "500", description = "use the first N images, sorted by name (default ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--method", defaultValue = "kl", description = "kl, aciq, eq, minmax or percentile (default ${DEFAULT-VALUE})")
  String method;

  @Option(names = "--percentile", defaultValue = "99.99", description = "for --method percentile (default ${DEFAULT-VALUE})")
  double percentile;

  @Option(names = "--threads", defaultValue = "0", description = "worker threads (0: one per core)")
  int threads;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "supply model metadata, as for detect")
  Map<String, String> meta = new LinkedHashMap<>();

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "output directory (created if missing)")
  Path out;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (count < 1) {
      throw new CliException("--count must be at least 1, got " + count);
    }
    CalibrationMethod m = CalibrationMethod.parse(method);
    DeployedModel fp32 = dev.reparo.convert.ModelLocator.locate(model);
    List<Path> all = DetectCommand.listImages(images);
    List<Path> used = all.subList(0, Math.min(count, all.size()));
    if (all.size() < count) {
      err.printf("warning: %s has %d images, fewer than --count %d; calibrating on all of them%n", images, all.size(),
          count);
    }
    DetectorOptions.Builder det = DetectorOptions.builder();
    meta.forEach(det::metadata);
    NcnnCalibrator.Options options = NcnnCalibrator.Options.of(m).withPercentile(percentile).withThreads(threads)
        .withDetector(det.build()).withProgress(new Bars(err));
    long t0 = System.nanoTime();
    NcnnCalibrator.Result r = NcnnCalibrator.calibrate(fp32, used, options);
    for (String s : r.skipped()) {
      err.println("warning: skipped " + s);
    }
    Int8ModelWriter.Result w = Int8ModelWriter.write(fp32, r.table(), out);
    o.printf("Calibrated %s on %d images (%d skipped) with %s in %.1f s -> %s%n", model, r.images(), r.skipped().size(),
        m.cliName(), (System.nanoTime() - t0) / 1e9, out);
    o.printf("%d layers run in int8 on ncnn; %d ONNX nodes have Q/DQ inputs%s%n", w.int8Layers().size(),
        w.qdqNodes().size(), w.qdqSkipped().isEmpty() ? "" : " (no Q/DQ ONNX: " + w.qdqSkipped() + ")");
    o.println();
    o.printf("%-48s %-20s %10s %10s %9s%n", "layer (worst first)", "type", "max |x|", "threshold", "cosine");
    for (NcnnCalibrator.LayerResult l : r.worstFirst()) {
      o.printf("%-48s %-20s %10.4g %10.4g %9.5f%n", abbreviate(l.layer()), l.type(), l.absmax(), l.threshold(),
          l.cosine());
    }
    o.flush();
    return 0;
  }

  private static String abbreviate(String s) {
    return s.length() <= 48 ? s : "…" + s.substring(s.length() - 47);
  }

  /** One progress bar per phase; calibration workers report from many threads. */
  private static final class Bars implements NcnnCalibrator.Progress {
    private final PrintWriter err;
    private String phase;
    private ProgressBar bar;

    Bars(PrintWriter err) {
      this.err = err;
    }

    @Override
    public synchronized void step(String phase, int done, int total) {
      if (!phase.equals(this.phase)) {
        this.phase = phase;
        bar = new ProgressBar(err, String.format("%-12s", phase), total);
      }
      bar.step();
    }
  }
}
