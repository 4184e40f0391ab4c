package dev.reparo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reparo.InvalidInputException;
import dev.reparo.backend.DeployedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Percentiles, speed-ups and input shapes of the benchmark harness, on numbers worked by hand. */
class BenchmarkRunnerTest {
  @Test
  void percentilesUseNearestRank() {
    long[] ms = new long[100];
    for (int i = 0; i < 100; i++) {
      ms[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms, unsorted on purpose
    }
    LatencyStats s = LatencyStats.of(ms);
    assertEquals(1.0, s.minMs(), 1e-9);
    assertEquals(50.0, s.p50Ms(), 1e-9);
    assertEquals(90.0, s.p90Ms(), 1e-9);
    assertEquals(99.0, s.p99Ms(), 1e-9);
    assertEquals(50.5, s.meanMs(), 1e-9);
    assertEquals(1000 / 50.5, s.imagesPerSecond(), 1e-9);
    LatencyStats three = LatencyStats.of(new long[] {3_000_000, 1_000_000, 2_000_000});
    assertEquals(2.0, three.p50Ms(), 1e-9);
    assertEquals(3.0, three.p90Ms(), 1e-9);
  }

  @Test
  void speedupIsRelativeToTheFirstBackendAtTheSameThreadCount() {
    List<BenchmarkResult> r = BenchmarkRunner.withSpeedups(List.of(
        result("ncnn", 1, 10), result("onnxruntime", 1, 5), result("ncnn", 2, 6), result("onnxruntime", 2, 12)));
    assertEquals(List.of(1.0, 2.0, 1.0, 0.5), r.stream().map(BenchmarkResult::speedup).toList());
  }

  private static BenchmarkResult result(String backend, int threads, long p50Ms) {
    return new BenchmarkResult(backend, backend + " 1", threads, 1, LatencyStats.of(new long[] {p50Ms * 1_000_000}),
        100, true, 1);
  }

  @Test
  void dynamicInputsTakeTheRequestedSizeAndFixedOnesRefuseAnother() {
    DeployedModel dynamic = model(new long[] {-1, 3, -1, -1});
    assertEquals(List.of(1, 3, 256, 256), List.of(shape(BenchmarkRunner.input(dynamic, 256).shape())));
    assertEquals(List.of(1, 3, 320, 320), List.of(shape(BenchmarkRunner.input(dynamic, 0).shape())));
    DeployedModel fixed = model(new long[] {1, 3, 320, 320});
    assertEquals(List.of(1, 3, 320, 320), List.of(shape(BenchmarkRunner.input(fixed, 320).shape())));
    assertThrows(InvalidInputException.class, () -> BenchmarkRunner.input(fixed, 640));
    assertThrows(InvalidInputException.class, () -> new BenchmarkRunner.Settings(List.of(1), 0, 0, 0));
  }

  private static Integer[] shape(int[] s) {
    return java.util.Arrays.stream(s).boxed().toArray(Integer[]::new);
  }

  private static DeployedModel model(long[] shape) {
    return new DeployedModel(Path.of("m"), "m.onnx", "ab", "images", shape, List.of("out"),
        List.of(new long[] {1, 10}), Map.of(), Map.of(), false, Map.of());
  }
}
