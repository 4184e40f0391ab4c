package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.onnx.Onnx;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The deploy pipeline on every exported fixture: the structure the issue asks for (no
 * BatchNormalization, one conv per RepVGG block, no Focus slices) and the numbers, by writing the
 * fused graph to ONNX and running it in ONNX Runtime against PyTorch's outputs.
 */
class DeployPipelineFixturesTest {
  private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  static Stream<String> fixtures() throws IOException {
    try (Stream<Path> dirs = Files.list(FIXTURES)) {
      List<String> names = dirs.filter(d -> Files.isRegularFile(d.resolve("model.onnx")))
          .map(d -> d.getFileName().toString()).sorted().toList();
      assertTrue(names.size() >= 19, "fixtures missing: " + names);
      return names.stream();
    }
  }

  @AfterAll
  static void releaseNothing() {
    // The ORT environment is a process-wide singleton; closing it would break other test classes.
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void deployFormHasNoBatchNormOneConvPerRepVggBlockAndPyTorchOutputs(String name) throws Exception {
    Path dir = FIXTURES.resolve(name);
    Graph g = Onnx.read(dir.resolve("model.onnx"));
    long convsBefore = TestGraphs.count(g, "Conv");
    PassManager.Report report = Pipelines.deploy().run(g);
    System.out.println(name + ": " + report.rounds() + " rounds\n" + report.format());

    assertEquals(0, TestGraphs.count(g, "BatchNormalization"), () -> name + "\n" + report.format());
    Path fused = tmp.resolve("fused.onnx");
    Onnx.write(g, fused);

    Path info = dir.resolve("info.json");
    if (!Files.exists(info)) {
      // No PyTorch outputs were stored for this one: the original model in ONNX Runtime is the oracle.
      assertSameAsOriginalOnRandomInput(dir.resolve("model.onnx"), fused);
      return;
    }
    JsonNode meta = JSON.readTree(info.toFile());
    int blocks = meta.path("repvgg_blocks").asInt(0);
    assertEquals(blocks, rewrites(report, "reparameterize-repvgg"), () -> report.format());
    assertEquals(convsBefore - blocks, TestGraphs.count(g, "Conv"),
        "each RepVGG block keeps exactly one conv (its 1x1 branch is gone)");

    Tensor input = Npy.read(dir.resolve(meta.path("input").path("file").asText()));
    Map<String, float[]> got = runOrt(fused, meta.path("input").path("name").asText(), input);
    double atol = meta.path("tolerance").path("atol").asDouble();
    double rtol = meta.path("tolerance").path("rtol").asDouble();
    for (JsonNode out : meta.path("outputs")) {
      Tensor want = Npy.read(dir.resolve(out.path("file").asText()));
      float[] have = got.get(out.path("name").asText());
      assertClose(name + " output " + out.path("name").asText(), want.data(), have, atol, rtol);
    }
  }

  @Test
  void focusStemBecomesOneStrideTwoConvOnTheInput() {
    Path model = FIXTURES.resolve("yolov5n_focus_repvgg-training-torchscript17-decoded/model.onnx");
    Graph g = Onnx.read(model);
    String input = g.inputs().get(0).name();
    assertTrue(g.consumers(input).stream().allMatch(n -> n.opType().equals("Slice")),
        "the fixture's stem starts with Slices (TorchScript shares the row slices between views)");
    PassManager.Report report = Pipelines.deploy().run(g);
    assertEquals(1, rewrites(report, "fuse-focus"), report.format());
    List<Node> readers = g.consumers(input);
    assertEquals(1, readers.size(), readers.toString());
    Node stem = readers.get(0);
    assertEquals("Conv", stem.opType());
    assertArrayEquals(new long[] {2, 2}, stem.attrInts("strides"));
    assertEquals(6, g.initializer(stem.input(1)).dim(3), "a k=3 Focus conv becomes a 6x6 kernel");
    assertEquals(0, g.nodes().stream().filter(n -> n.opType().equals("Slice") && n.input(0).equals(input)).count());
  }

  /**
   * RepVGG's arithmetic checked in float64 on real weights: the block as exported, evaluated branch
   * by branch with direct convolutions, against the one re-parameterized conv (float32 weights).
   */
  @Test
  void reparameterizedBlockMatchesItsBranchesInFloat64() {
    Graph g = Onnx.read(FIXTURES.resolve("repvgg_block-training-torchscript17/model.onnx"));
    Pipelines.cleanup().run(g);
    Graph before = g.copy();
    PassManager.Report report = Pipelines.deploy().run(g);
    assertEquals(1, rewrites(report, "reparameterize-repvgg"));
    assertEquals(List.of("Conv", "Relu"), g.nodes().stream().map(Node::opType).toList());
    int[] shape = {1, 16, 32, 32};
    Random r = new Random(5);
    double[] x = new double[16 * 32 * 32];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    String in = g.inputs().get(0).name();
    var a = ReferenceEvaluator.run(before, Map.of(in, new ReferenceEvaluator.Value(shape, x)));
    var b = ReferenceEvaluator.run(g, Map.of(in, new ReferenceEvaluator.Value(shape, x)));
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < a.size(); i++) {
      maxAbs = Math.max(maxAbs, Math.abs(a.data()[i]));
      maxDiff = Math.max(maxDiff, Math.abs(a.data()[i] - b.data()[i]));
    }
    assertTrue(maxAbs > 0.1);
    assertTrue(maxDiff < 1e-5 * maxAbs, "max diff " + maxDiff + " of max " + maxAbs);
  }

  private static int rewrites(PassManager.Report report, String pass) {
    return report.passes().stream().filter(p -> p.pass().equals(pass)).mapToInt(PassManager.PassSummary::rewritten)
        .sum();
  }

  private static Map<String, float[]> runOrt(Path model, String inputName, Tensor input) throws OrtException {
    long[] shape = new long[input.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = input.dim(i);
    }
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      // No graph optimizations: ORT must run the graph as written, not re-fuse it on its own.
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      opts.setIntraOpNumThreads(1);
      try (OrtSession session = ENV.createSession(model.toString(), opts);
          OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input.data()), shape);
          OrtSession.Result result = session.run(Map.of(inputName, t))) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
          FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
          float[] f = new float[fb.remaining()];
          fb.get(f);
          out.put(e.getKey(), f);
        }
        return out;
      }
    }
  }

  private void assertSameAsOriginalOnRandomInput(Path original, Path fused) throws OrtException {
    long[] shape;
    String inputName;
    try (OrtSession s = ENV.createSession(original.toString(), new OrtSession.SessionOptions())) {
      inputName = s.getInputNames().iterator().next();
      shape = ((ai.onnxruntime.TensorInfo) s.getInputInfo().get(inputName).getInfo()).getShape();
    }
    int[] dims = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = (int) (shape[i] > 0 ? shape[i] : 1);
    }
    Random r = new Random(17);
    float[] x = new float[Math.toIntExact(Tensor.elementCount(dims))];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    Tensor input = Tensor.of(x, dims);
    Map<String, float[]> want = runOrt(original, inputName, input);
    Map<String, float[]> have = runOrt(fused, inputName, input);
    assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(have.keySet()));
    for (String k : want.keySet()) {
      assertClose(original + " output " + k, want.get(k), have.get(k), 1e-4, 1e-4);
    }
  }

  /** numpy.allclose(have, want, rtol, atol), and not vacuously: the reference must not be all zero. */
  private static void assertClose(String what, float[] want, float[] have, double atol, double rtol) {
    assertEquals(want.length, have.length, what + ": element count");
    double worst = 0;
    int at = -1;
    double maxAbs = 0;
    for (int i = 0; i < want.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want[i]));
      double excess = Math.abs(have[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
      if (at < 0 || excess > worst) {
        worst = excess;
        at = i;
      }
    }
    assertTrue(maxAbs > 0, what + ": reference is all zeros");
    int i = at;
    assertTrue(worst <= 0, () -> what + ": element " + i + " is " + have[i] + ", expected " + want[i]
        + " (atol " + atol + ", rtol " + rtol + ")");
  }
}
