package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.npy.Npy;
import dev.reparo.graph.Graph;
import dev.reparo.ncnn.NcnnModel;
import dev.reparo.ncnn.NcnnOptions;
import dev.reparo.onnx.Onnx;
import dev.reparo.passes.Pipelines;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ncnn inference of a training-form model as exported (multi-branch RepVGG blocks, BatchNorm
 * layers; only exporter noise cleaned up) against the same model after Reparo's deploy pipeline
 * (one 3x3 conv per block, BN folded). Same input, same ncnn, same thread count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class FusionBenchmark {
  @Param({"yolov5lite_g-training-dynamo18-decoded", "repvgg_a0_slim-training-torchscript13"})
  public String fixture;

  @Param({"unfused", "fused"})
  public String form;

  @Param({"1"})
  public int threads;

  private NcnnModel model;
  private Map<String, Tensor> inputs;
  private Path dir;

  @Setup
  public void setUp() throws Exception {
    Path fx = Fixtures.dir(fixture);
    Graph g = Onnx.read(fx.resolve("model.onnx"));
    if (form.equals("fused")) {
      Pipelines.deploy().run(g);
    } else {
      Pipelines.cleanup().run(g);
    }
    NcnnLowering.lower(g);
    dir = Files.createTempDirectory("reparo-bench");
    NcnnWriter.write(g, dir.resolve("m.param"), dir.resolve("m.bin"), NcnnWriter.WeightStorage.FP32);
    model = NcnnModel.load(dir.resolve("m.param"), dir.resolve("m.bin"), NcnnOptions.builder().threads(threads).build());
    inputs = Map.of(g.inputs().get(0).name(), Npy.read(fx.resolve("input.npy")));
  }

  @Benchmark
  public Object infer() {
    return model.run(inputs);
  }

  @TearDown
  public void tearDown() throws Exception {
    model.close();
    try (var s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }
}
