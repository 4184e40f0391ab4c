package dev.reparo.bench;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.backend.Backend;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Times backends on one converted model in this process, for each thread count in two passes.
 * First each case alone: load the model (timed), {@code warmup} untimed inferences, the process's
 * peak RSS, close. Then all cases loaded together, warmed up again, and the {@code runs} timed
 * inferences taken in turns (case 1, 2, 3, 1, 2, 3, ...), all on the same seeded random input: on
 * a shared machine, load and clock speed drift over seconds, and taking the cases in turns makes
 * that drift hit every case alike instead of whichever ran during a slow spell, so the speed-up
 * column compares like with like. Not thread-safe: run one benchmark at a time (concurrent work
 * would skew the timings anyway).
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
      List<Alone> alone = new ArrayList<>();
      for (Case c : cases) {
        progress.accept(String.format("%-18s threads %d: loading", c.name(), threads));
        alone.add(alone(c, threads, input, settings));
      }
      progress.accept(String.format("threads %d: %d timed runs of each of %d cases, in turns", threads, settings.runs(),
          cases.size()));
      long[][] times = inTurns(cases, threads, input, settings);
      for (int k = 0; k < cases.size(); k++) {
        Case c = cases.get(k);
        Alone a = alone.get(k);
        BenchmarkResult r = new BenchmarkResult(c.name(), c.backend().describe(), threads, a.loadMs(),
            LatencyStats.of(times[k]), a.peakRssMb(), a.peakReset(), 1.0);
        results.add(r);
        progress.accept(String.format(java.util.Locale.ROOT, "%-18s threads %d: p50 %.3f ms, %.1f images/s",
            c.name(), threads, r.latency().p50Ms(), r.latency().imagesPerSecond()));
      }
    }
    return withSpeedups(results);
  }

  /** What a case costs loaded alone: load time and the process's peak RSS after its warm-up. */
  private record Alone(double loadMs, double peakRssMb, boolean peakReset) {}

  private Alone alone(Case c, int threads, Tensor input, Settings settings) {
    System.gc();
    boolean reset = PeakMemory.reset();
    long t0 = nanoClock.getAsLong();
    double loadMs;
    try (LoadedModel loaded = c.backend().load(c.model(), options(c, threads))) {
      loadMs = (nanoClock.getAsLong() - t0) / 1e6;
      for (int i = 0; i < settings.warmup(); i++) {
        loaded.run(input);
      }
    }
    return new Alone(loadMs, PeakMemory.peakRssMb(), reset);
  }

  /** times[case][run]: every case loaded and warmed up, then one timed run of each in turn. */
  private long[][] inTurns(List<Case> cases, int threads, Tensor input, Settings settings) {
    List<LoadedModel> loaded = new ArrayList<>();
    try {
      for (Case c : cases) {
        loaded.add(c.backend().load(c.model(), options(c, threads)));
      }
      for (LoadedModel m : loaded) {
        for (int i = 0; i < settings.warmup(); i++) {
          m.run(input);
        }
      }
      long[][] times = new long[cases.size()][settings.runs()];
      for (int i = 0; i < settings.runs(); i++) {
        for (int k = 0; k < loaded.size(); k++) {
          long s = nanoClock.getAsLong();
          loaded.get(k).run(input);
          times[k][i] = nanoClock.getAsLong() - s;
        }
      }
      return times;
    } finally {
      for (LoadedModel m : loaded) {
        m.close();
      }
    }
  }

  private static LoadOptions options(Case c, int threads) {
    return LoadOptions.defaults().withThreads(threads);
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
