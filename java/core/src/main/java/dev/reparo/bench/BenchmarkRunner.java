package dev.reparo.bench;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.backend.Backend;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.detect.DetectorOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Times backends on one converted model in this process: for each thread count, each backend
 * loads the model (timed), runs {@code warmup} untimed inferences and {@code runs} timed ones on the
 * same seeded random input; the process's peak RSS is read after each case. Not thread-safe: run
 * one benchmark at a time (concurrent work would skew the timings anyway).
 */
public final class BenchmarkRunner {
  /** Input side for models whose input size is dynamic when none is given. */
  public static final int DEFAULT_INPUT = 320;

  /**
   * What to run.
   *
   * @param threads thread counts, each run with every backend
   * @param inputSize square input side for dynamic-size models; 0 for the model's own (or 320)
   */
  public record Settings(List<Integer> threads, int warmup, int runs, int inputSize) {
    public Settings {
      threads = List.copyOf(threads);
      if (threads.isEmpty() || threads.stream().anyMatch(t -> t < 0 || t > 256)) {
        throw new InvalidInputException("thread counts must be 0..256 (0: the backend's default), got " + threads);
      }
      if (warmup < 0 || runs < 1) {
        throw new InvalidInputException("need warmup >= 0 and runs >= 1, got warmup " + warmup + ", runs " + runs);
      }
      if (inputSize < 0 || inputSize > 4096) {
        throw new InvalidInputException("input size must be 0..4096, got " + inputSize);
      }
    }
  }

  private final LongSupplier nanoClock;

  public BenchmarkRunner() {
    this(System::nanoTime);
  }

  BenchmarkRunner(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** One row of the table: a name, the backend that runs, the converted model it runs. */
  public record Case(String name, Backend backend, DeployedModel model) {}

  /**
   * Runs every backend (by name, in order; the first is the baseline of the speed-up column) at
   * every thread count, reporting progress lines to {@code progress}.
   */
  public List<BenchmarkResult> run(DeployedModel model, Map<String, Backend> backends, Settings settings,
      Consumer<String> progress) {
    List<Case> cases = new ArrayList<>();
    backends.forEach((name, backend) -> cases.add(new Case(name, backend, model)));
    return run(cases, settings, progress);
  }

  /**
   * Runs every case (in order; the first is the baseline of the speed-up column) at every thread
   * count. Cases may run different models of the same input shape (fused and unfused, FP32 and int8),
   * all fed the same seeded input.
   */
  public List<BenchmarkResult> run(List<Case> cases, Settings settings, Consumer<String> progress) {
    if (cases.isEmpty()) {
      throw new InvalidInputException("no backends to benchmark");
    }
    Tensor input = input(cases.get(0).model(), settings.inputSize());
    for (Case c : cases) {
      if (!java.util.Arrays.equals(c.model().inputShape(), cases.get(0).model().inputShape())) {
        throw new InvalidInputException(c.name() + ": model input " + java.util.Arrays.toString(c.model().inputShape())
            + " differs from " + cases.get(0).name() + "'s " + java.util.Arrays.toString(cases.get(0).model().inputShape()));
      }
    }
    List<BenchmarkResult> results = new ArrayList<>();
    for (int threads : settings.threads()) {
      for (Case c : cases) {
        progress.accept(String.format("%-18s threads %d: loading", c.name(), threads));
        results.add(runOne(c.name(), c.backend(), c.model(), threads, input, settings));
        BenchmarkResult r = results.get(results.size() - 1);
        progress.accept(String.format(java.util.Locale.ROOT, "%-18s threads %d: p50 %.3f ms, %.1f images/s",
            c.name(), threads, r.latency().p50Ms(), r.latency().imagesPerSecond()));
      }
    }
    return withSpeedups(results);
  }

  private BenchmarkResult runOne(String name, Backend backend, DeployedModel model, int threads, Tensor input,
      Settings settings) {
    System.gc();
    boolean reset = PeakMemory.reset();
    DetectorOptions options = DetectorOptions.builder().backend(backend.kind()).threads(threads).build();
    long t0 = nanoClock.getAsLong();
    long[] times = new long[settings.runs()];
    double loadMs;
    try (LoadedModel loaded = backend.load(model, options)) {
      loadMs = (nanoClock.getAsLong() - t0) / 1e6;
      for (int i = 0; i < settings.warmup(); i++) {
        loaded.run(input);
      }
      for (int i = 0; i < times.length; i++) {
        long s = nanoClock.getAsLong();
        loaded.run(input);
        times[i] = nanoClock.getAsLong() - s;
      }
    }
    return new BenchmarkResult(name, backend.describe(), threads, loadMs, LatencyStats.of(times),
        PeakMemory.peakRssMb(), reset, 1.0);
  }

  /** Speed-up of each result relative to the first backend at the same thread count. */
  static List<BenchmarkResult> withSpeedups(List<BenchmarkResult> results) {
    Map<Integer, Double> baseline = new HashMap<>();
    List<BenchmarkResult> out = new ArrayList<>(results.size());
    for (BenchmarkResult r : results) {
      double base = baseline.computeIfAbsent(r.threads(), t -> r.latency().p50Ms());
      out.add(r.withSpeedup(base / r.latency().p50Ms()));
    }
    return out;
  }

  /** A seeded uniform [0, 1) input of the model's shape; dynamic sides take {@code size} (or 320). */
  static Tensor input(DeployedModel model, int size) {
    long[] declared = model.inputShape();
    int[] shape = new int[declared.length];
    for (int i = 0; i < declared.length; i++) {
      if (declared[i] > 0) {
        boolean spatial = declared.length == 4 && i >= 2;
        if (spatial && size != 0 && size != declared[i]) {
          throw new InvalidInputException(model.dir() + ": the model's input is fixed at "
              + java.util.Arrays.toString(declared) + "; --input " + size + " cannot be used with it");
        }
        shape[i] = (int) declared[i];
      } else {
        shape[i] = i == 0 ? 1 : size != 0 ? size : DEFAULT_INPUT;
      }
    }
    float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
    Random rng = new Random(42);
    for (int i = 0; i < data.length; i++) {
      data[i] = rng.nextFloat();
    }
    return Tensor.of(data, shape);
  }
}
