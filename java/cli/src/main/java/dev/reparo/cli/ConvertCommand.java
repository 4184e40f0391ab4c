package dev.reparo.cli;

import dev.reparo.convert.ModelConverter;
import dev.reparo.graph.ModelSummary;
import dev.reparo.io.AtomicFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code reparo convert}: ONNX in, fused ONNX + ncnn model + model.json out. */
@Command(name = "convert", sortOptions = false, description = {
    "Re-parameterize and fuse an ONNX model exported from PyTorch (RepVGG blocks become one 3x3",
    "conv, BatchNorm folds into convs, the Focus stem becomes one conv), then write it for ncnn.",
    "",
    "Writes into --out: model.param + model.bin (ncnn), model.fused.onnx (for ONNX Runtime and",
    "TensorRT), model.json (input, outputs, metadata), and prints the model before and after.",
    "",
    "Example:  reparo convert yolov5-lite-g.onnx --out build/g --fp16"})
final class ConvertCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "ONNX file from torch.onnx.export (training or deploy form)")
  Path model;

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "output directory (created if missing)")
  Path out;

  @Option(names = "--fp16", description = "store ncnn weights as fp16 (half the size; about 1e-3 relative error)")
  boolean fp16;

  @Option(names = "--raw-head", description = {
      "cut the decode off an Ultralytics anchor-free head exported decoded (YOLOv8/YOLO11/YOLO26",
      "yolo export): per stride the outputs become the box distributions [1, 4*R, H, W] (R = 16",
      "bins, 1 for YOLO26) and the class logits [1, C, H, W], which reparo detect decodes only",
      "where a class logit passes the threshold (it does this by itself when given the .onnx).",
      "Saves the per-anchor DFL softmax, box arithmetic and sigmoid (YOLOv8t 320x320 on ncnn,",
      "1 thread: 1-5%% of the network time, by CPU), but the outputs no longer compare with the",
      "exporter's (PyTorch's) [1, 4+C, N]; other models are converted as if it were not given,",
      "with the reason printed"})
  boolean rawHead;

  @Option(names = "--keep-onnx", description = "also copy the source model into DIR as model.source.onnx")
  boolean keepOnnx;

  @Option(names = {"-v", "--verbose"}, description = "show what every pass rewrote, and every site it refused and why")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(model)) {
      throw new CliException(model + ": no such file");
    }
    PrintWriter o = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    ModelConverter.Result r = ModelConverter.convert(model, out, fp16, true, rawHead);
    if (keepOnnx) {
      Path target = out.resolve("model.source.onnx");
      Path tmp = AtomicFiles.tempBeside(target);
      try {
        Files.copy(model, tmp, StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.moveInto(tmp, target);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    o.printf("Converted %s -> %s in %.1f s%n%n", model, out, seconds);
    if (r.rawHead() != null) {
      o.println(r.rawHead().cut() ? "Raw head: the decode is cut off; outputs are the per-stride box distributions and "
          + "class logits" : "Raw head: not cut, outputs stay as exported (" + r.rawHead().refusal() + ")");
      o.println();
    }
    printSummary(o, r.before(), r.after());
    if (verbose) {
      o.println();
      o.println("Deploy passes (" + r.deploy().rounds() + " rounds):");
      o.print(r.deploy().format());
      o.println("ncnn lowering (" + r.lowering().rounds() + " rounds):");
      o.print(r.lowering().format());
    }
    o.println();
    o.println("Model Summary: " + r.after().line());
    o.flush();
    return 0;
  }

  static void printSummary(PrintWriter o, ModelSummary before, ModelSummary after) {
    o.printf("%-22s %14s %14s%n", "", "before", "after");
    o.printf("%-22s %,14d %,14d%n", "layers", before.layers(), after.layers());
    o.printf("%-22s %,14d %,14d%n", "parameters", before.parameters(), after.parameters());
    o.printf("%-22s %14.3f %14.3f%n", "GFLOPs", before.gflops(), after.gflops());
    TreeSet<String> ops = new TreeSet<>(before.opCounts().keySet());
    ops.addAll(after.opCounts().keySet());
    for (String op : ops) {
      o.printf("  %-20s %14d %14d%n", op, count(before.opCounts(), op), count(after.opCounts(), op));
    }
  }

  private static int count(Map<String, Integer> m, String op) {
    return m.getOrDefault(op, 0);
  }
}
