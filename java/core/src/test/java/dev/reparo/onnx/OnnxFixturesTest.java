package dev.reparo.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.PassManager;
import dev.reparo.passes.Pipelines;
import dev.reparo.testing.Fixture;
import dev.reparo.testing.Ort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every exported fixture: import, shape inference, write-back and cleanup, checked in ONNX Runtime. */
class OnnxFixturesTest {
  /** What the cleanup pipeline must leave in no fixture. */
  private static final Set<String> EXPORT_NOISE = Set.of("Shape", "Gather", "Cast", "CastLike", "Expand",
      "Constant", "Unsqueeze", "Identity");

  static List<Fixture> allFixtures() {
    return Fixture.all();
  }

  static List<Fixture> referencedFixtures() {
    return Fixture.withReferences();
  }

  @ParameterizedTest
  @MethodSource("allFixtures")
  void importsEveryNodeAndValidates(Fixture f) {
    Graph g = Onnx.read(f.model());
    GraphValidator.validate(g);
    assertEquals(1, g.inputs().size(), "inputs (initializers must not be listed)");
    assertTrue(g.initializers().size() > 0, "weights are read");
    if (f.hasReferences()) {
      Map<String, Object> info = f.info();
      assertEquals(f.inputName(), g.inputs().get(0).name());
      assertEquals(((Number) info.get("opset")).longValue(), g.opset());
      @SuppressWarnings("unchecked")
      Map<String, Object> expected = (Map<String, Object>) info.get("onnx_op_counts");
      Map<String, Integer> want = new TreeMap<>();
      expected.forEach((op, n) -> want.put(op, ((Number) n).intValue()));
      assertEquals(want, opCounts(g));
    }
  }

  @ParameterizedTest
  @MethodSource("referencedFixtures")
  void shapeInferenceGivesTheExportedOutputShapes(Fixture f) {
    Graph g = Onnx.read(f.model());
    // Forget every shape the file declares beyond the input, then infer them.
    g.clearValueInfo();
    g.setOutputs(g.outputs().stream().map(o -> ValueInfo.unknown(o.name())).toList());
    ShapeInference.infer(g);
    List<Fixture.Output> outs = f.outputs();
    assertEquals(outs.size(), g.outputs().size());
    for (int i = 0; i < outs.size(); i++) {
      assertEquals(outs.get(i).name(), g.outputs().get(i).name());
      assertEquals(Shape.of(outs.get(i).shape()), g.outputs().get(i).shape(), outs.get(i).name());
    }
  }

  /**
   * The dynamo exporter records the shape PyTorch saw for every intermediate value: inference
   * from the input alone must agree with each of them.
   */
  @ParameterizedTest
  @MethodSource("allFixtures")
  void shapeInferenceAgreesWithEveryShapeTheExporterRecorded(Fixture f) {
    Graph g = Onnx.read(f.model());
    Map<String, ValueInfo> recorded = Map.copyOf(g.valueInfos());
    g.clearValueInfo();
    g.setOutputs(g.outputs().stream().map(o -> ValueInfo.unknown(o.name())).toList());
    ShapeInference.Result inferred = ShapeInference.infer(g);
    int compared = 0;
    for (ValueInfo want : recorded.values()) {
      ValueInfo got = inferred.info(want.name());
      if (got == null || !want.shape().hasRank()) {
        continue; // a value the exporter described but no node computes, or one without a shape
      }
      assertEquals(want.shape(), got.shape(), want.name());
      if (want.type() != dev.reparo.graph.DataType.UNDEFINED) {
        assertEquals(want.type(), got.type(), want.name());
      }
      compared++;
    }
    Object exporter = f.hasReferences() ? f.info().get("exporter") : null;
    if ("torchscript".equals(exporter) || "dynamo".equals(exporter) || exporter == null) {
      // Reparo's own fixtures: only PyTorch's dynamo exporter records value shapes. Real exporters
      // (Ultralytics' onnxslim, YOLOv5's export.py on the dynamo exporter) may record them too.
      assertEquals(f.name().contains("dynamo"), compared > 0, "dynamo exports record value shapes");
    }
  }

  @ParameterizedTest
  @MethodSource("referencedFixtures")
  void writtenModelMatchesPyTorchInOnnxRuntime(Fixture f) {
    Graph g = Onnx.read(f.model());
    byte[] written = OnnxWriter.toBytes(g);
    assertMatchesPyTorch(f, Ort.run(written, Map.of(f.inputName(), f.input())));
    // Reading the written model gives the same graph back.
    Graph again = OnnxReader.read(written, "written " + f.name());
    assertEquals(g.nodes(), again.nodes());
    assertEquals(g.inputs(), again.inputs());
    assertEquals(g.initializers().keySet(), again.initializers().keySet());
    assertEquals(g.longInitializers(), again.longInitializers());
  }

  @ParameterizedTest
  @MethodSource("referencedFixtures")
  void cleanupRemovesExportNoiseAndStillMatchesPyTorch(Fixture f, @TempDir Path dir) throws IOException {
    Graph g = Onnx.read(f.model());
    int before = g.nodes().size();
    PassManager.Report report = Pipelines.cleanup().run(g);
    assertNoExportNoise(g);
    assertTrue(g.nodes().size() <= before);
    Path out = dir.resolve("clean.onnx");
    Onnx.write(g, out);
    assertMatchesPyTorch(f, Ort.run(Files.readAllBytes(out), Map.of(f.inputName(), f.input())));
    System.out.println(f.name() + ": " + before + " -> " + g.nodes().size() + " nodes " + opCounts(g)
        + " in " + report.rounds() + " rounds");
  }

  /** Every fixture, the ones without PyTorch references included, against ORT on the original file. */
  @ParameterizedTest
  @MethodSource("allFixtures")
  void cleanedModelComputesWhatTheOriginalComputes(Fixture f) throws IOException {
    Graph g = Onnx.read(f.model());
    ValueInfo in = g.inputs().get(0);
    Map<String, Tensor> feed = Map.of(in.name(), f.hasReferences() ? f.input() : randomInput(in));
    Map<String, Tensor> expected = Ort.run(Files.readAllBytes(f.model()), feed);
    Pipelines.cleanup().run(g);
    assertNoExportNoise(g);
    Map<String, Tensor> actual = Ort.run(OnnxWriter.toBytes(g), feed);
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      assertClose(f.name() + " " + name, expected.get(name), actual.get(name), 1e-5, 1e-5);
    }
  }

  private static void assertNoExportNoise(Graph g) {
    List<String> left = g.nodes().stream().map(Node::opType).filter(EXPORT_NOISE::contains).distinct().toList();
    assertEquals(List.of(), left, "export noise left after cleanup");
  }

  private static Map<String, Integer> opCounts(Graph g) {
    Map<String, Integer> counts = new TreeMap<>();
    g.nodes().forEach(n -> counts.merge(n.opType(), 1, Integer::sum));
    return counts;
  }

  private static Tensor randomInput(ValueInfo in) {
    int[] shape = Arrays.stream(in.shape().toArray()).mapToInt(Math::toIntExact).toArray();
    Random r = new Random(42);
    float[] v = new float[(int) Tensor.elementCount(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat();
    }
    return Tensor.of(v, shape);
  }

  private static void assertMatchesPyTorch(Fixture f, Map<String, Tensor> actual) {
    for (Fixture.Output o : f.outputs()) {
      Tensor got = actual.get(o.name());
      assertTrue(got != null, "no output " + o.name() + " in " + actual.keySet());
      assertClose(f.name() + " " + o.name(), o.reference(), got, f.tolerance("atol"), f.tolerance("rtol"));
    }
  }

  /** |actual - expected| <= atol + rtol * |expected| element-wise, naming the worst element. */
  static void assertClose(String what, Tensor expected, Tensor actual, double atol, double rtol) {
    assertTrue(Arrays.equals(expected.shape(), actual.shape()),
        what + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape()));
    float[] e = expected.data();
    float[] a = actual.data();
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < e.length; i++) {
      double excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
      if (!(excess <= worstExcess)) {
        worst = i;
        worstExcess = excess;
      }
    }
    if (worst >= 0) {
      throw new AssertionError(what + ": element " + worst + " is " + a[worst] + ", expected " + e[worst]
          + " (atol " + atol + ", rtol " + rtol + ")");
    }
  }
}
