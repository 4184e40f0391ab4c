package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.format.npy.Npy;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.passes.Pipelines;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole export on real PyTorch models: import each fixture, run the deploy pipeline, lower,
 * write the param/bin, run it in ncnn and compare every output with its oracle, within 1e-4 of the
 * largest reference magnitude. With fp32 weights the oracle is PyTorch ({@code output_<i>.npy}, in
 * graph output order). With fp16 weights it is ONNX Runtime running the deployed graph with its
 * convolution and Gemm weights rounded to half precision (as ncnn stores them): rounding the weights
 * of these deep random-weight nets alone moves their outputs by up to a few percent, so PyTorch's
 * fp32 outputs cannot be the oracle; that deviation is printed, not asserted.
 */
class NcnnExportFixturesTest {
  static Path fixturesRoot() {
    String root = System.getProperty("reparo.root");
    assertTrue(root != null, "surefire must pass the system property reparo.root");
    return Path.of(root, "java", "core", "src", "test", "resources", "fixtures");
  }

  static Stream<Arguments> cases() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(fixturesRoot())) {
      for (Path d : dirs.sorted().toList()) {
        if (Files.isRegularFile(d.resolve("model.onnx")) && Files.isRegularFile(d.resolve("input.npy"))) {
          out.add(Arguments.of(d.getFileName().toString(), WeightStorage.FP32, 1e-4));
          out.add(Arguments.of(d.getFileName().toString(), WeightStorage.FP16, 1e-4));
        }
      }
    }
    assertTrue(out.size() >= 2, "no fixtures under " + fixturesRoot());
    return out.stream();
  }

  /** A copy of {@code g} whose Conv and Gemm/MatMul weights are rounded to half precision. */
  private static Graph withHalfWeights(Graph g) {
    Graph copy = g.copy();
    for (Node n : g.nodes()) {
      boolean weighted = n.opType().equals("Conv") || n.opType().equals("Gemm") || n.opType().equals("MatMul");
      Tensor w = weighted ? g.initializer(n.input(1)) : null;
      if (w != null) {
        float[] v = w.data().clone();
        for (int i = 0; i < v.length; i++) {
          v[i] = roundToHalf(v[i]);
        }
        copy.putInitializer(n.input(1), Tensor.of(v, w.shape()));
      }
    }
    return copy;
  }

  /**
   * The nearest binary16 value (ties to even), computed as 11 significant bits at the value's
   * exponent (at least half's smallest normal exponent, -14, so subnormals keep their fixed step).
   */
  static float roundToHalf(float v) {
    if (v == 0 || !Float.isFinite(v)) {
      return v;
    }
    int exp = Math.max(Math.getExponent(v), -14);
    return (float) Math.scalb(Math.rint(Math.scalb((double) v, 10 - exp)), exp - 10);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void ncnnMatchesPyTorch(String fixture, WeightStorage storage, double tolerance) throws IOException {
    Path dir = fixturesRoot().resolve(fixture);
    Graph g = Onnx.read(dir.resolve("model.onnx"));
    Pipelines.deploy().run(g);
    Tensor input = Npy.read(dir.resolve("input.npy"));
    Map<String, Tensor> halfOracle = storage == WeightStorage.FP16
        ? OnnxRuntime.run(OnnxWriter.toBytes(withHalfWeights(g)), Map.of(g.inputs().get(0).name(), input))
        : null;
    NcnnLowering.lower(g);
    NcnnFiles files = NcnnWriter.render(g, storage);
    List<ValueInfo> outputs = g.outputs();
    NcnnOptions options = NcnnOptions.builder().threads(1).build();
    try (NcnnModel model = NcnnModel.load(files.paramBytes(), files.bin(), fixture, options);
        NcnnSession session = model.newSession()) {
      assertEquals(1, g.inputs().size());
      session.input(g.inputs().get(0).name(), input);
      for (int i = 0; i < outputs.size(); i++) {
        String name = outputs.get(i).name();
        Tensor pytorch = Npy.read(dir.resolve("output_" + i + ".npy"));
        Tensor actual = session.extract(name);
        if (halfOracle == null) {
          double r = Outputs.assertClose(pytorch, actual, tolerance, fixture + " output " + name);
          System.out.printf("%s FP32 %s: max error %.2e of max |PyTorch|%n", fixture, name, r);
        } else {
          double r = Outputs.assertClose(halfOracle.get(name), actual, tolerance, fixture + " output " + name);
          System.out.printf("%s FP16 %s: max error %.2e of max |ORT fp16-weights|, %.2e of max |PyTorch|%n",
              fixture, name, r, Outputs.relativeError(pytorch, actual));
        }
      }
    }
  }
}
