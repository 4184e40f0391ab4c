package dev.reparo.cli;

import dev.reparo.backend.Backend;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.MachineFingerprint;
import dev.reparo.bench.BenchmarkReport;
import dev.reparo.bench.BenchmarkResult;
import dev.reparo.bench.BenchmarkRunner;
import dev.reparo.convert.ModelLocator;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.graph.ModelSummary;
import dev.reparo.onnx.Onnx;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
    "Example:  reparo bench --model yolo.onnx --backends ncnn,onnxruntime --threads 1,2"})
final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
      description = ".onnx (converted on first use, cached) or a converted model")
  Path model;

  @Option(names = "--backends", split = ",", paramLabel = "NAME",
      description = "backends in order, the first is the baseline (default: every available one, ncnn first)")
  List<String> backends;

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

  @Option(names = {"-o", "--out"}, defaultValue = "bench", paramLabel = "DIR",
      description = "where bench.md, bench.csv and bench.png go (default ${DEFAULT-VALUE})")
  Path out;

  @Override
  public Integer call() throws Exception {
    BenchmarkRunner.Settings settings = new BenchmarkRunner.Settings(threads, warmup, runs, input);
    Map<String, Backend> chosen = chooseBackends();
    DeployedModel deployed = ModelLocator.locate(model);
    PrintWriter o = spec.commandLine().getOut();
    List<BenchmarkResult> results = new BenchmarkRunner().run(deployed, chosen, settings, line -> {
      o.println(line);
      o.flush();
    });
    String machine = MachineFingerprint.current().toString();
    double gflops = ModelSummary.of(Onnx.read(deployed.file("onnx"))).gflops();
    BenchmarkReport.write(out, model.getFileName().toString(), machine, gflops, settings, results);
    o.println();
    o.print(Files.readString(out.resolve(BenchmarkReport.MARKDOWN)));
    o.println("wrote " + out.resolve(BenchmarkReport.MARKDOWN) + ", " + BenchmarkReport.CSV + ", "
        + BenchmarkReport.CHART);
    o.flush();
    return 0;
  }

  private Map<String, Backend> chooseBackends() {
    Map<String, Backend> chosen = new LinkedHashMap<>();
    if (backends == null || backends.isEmpty()) {
      for (DetectorOptions.Backend kind : DetectorOptions.Backend.values()) {
        for (Backend b : Backends.all()) {
          if (b.kind() == kind && kind != DetectorOptions.Backend.AUTO && b.isAvailable()) {
            chosen.putIfAbsent(kind.name().toLowerCase(Locale.ROOT), b);
          }
        }
      }
      if (chosen.isEmpty()) {
        throw new CliException("no backend can run here");
      }
      return chosen;
    }
    for (String name : backends) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      if (n.equals("auto")) {
        throw new CliException("bench compares concrete backends; 'auto' picks one of them (leave it out)");
      }
      if (chosen.containsKey(n)) {
        throw new CliException("backend '" + n + "' is listed twice");
      }
      chosen.put(n, Backends.find(InferCommand.backendKind(n)));
    }
    return chosen;
  }
}
