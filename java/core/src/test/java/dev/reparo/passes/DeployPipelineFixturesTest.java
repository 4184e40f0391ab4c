package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.testing.Fixture;
import dev.reparo.testing.Ort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The deploy pipeline on every exported fixture: the structure the issue asks for (no
 * BatchNormalization, one conv per RepVGG block, no Focus slices) and the numbers, by writing the
 * fused graph to ONNX and running it in ONNX Runtime against PyTorch's outputs.
 */
class DeployPipelineFixturesTest {
  static List<Fixture> fixtures() {
    List<Fixture> all = Fixture.all();
    assertTrue(all.size() >= 19, "fixtures missing: " + all);
    return all;
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void deployFormHasNoBatchNormOneConvPerRepVggBlockAndPyTorchOutputs(Fixture f) throws IOException {
    Graph g = Onnx.read(f.model());
    long convsBefore = TestGraphs.count(g, "Conv");
    PassManager.Report report = Pipelines.deploy().run(g);
    System.out.println(f.name() + ": " + report.rounds() + " rounds\n" + report.format());

    assertEquals(0, TestGraphs.count(g, "BatchNormalization"), () -> f.name() + "\n" + report.format());
    byte[] fused = OnnxWriter.toBytes(g);

    if (!f.hasReferences()) {
      // No PyTorch outputs were stored for this one: the original model in ONNX Runtime is the oracle.
      assertSameAsOriginalOnRandomInput(f, fused);
      return;
    }
    Object declared = f.info().get("repvgg_blocks");
    int blocks = declared == null ? 0 : ((Number) declared).intValue();
    assertEquals(blocks, rewrites(report, "reparameterize-repvgg"), () -> report.format());
    assertEquals(convsBefore - blocks, TestGraphs.count(g, "Conv"),
        "each RepVGG block keeps exactly one conv (its 1x1 branch is gone)");

    Map<String, Tensor> got = Ort.run(fused, Map.of(f.inputName(), f.input()));
    for (Fixture.Output out : f.outputs()) {
      assertClose(f.name() + " output " + out.name(), out.reference().data(), got.get(out.name()).data(),
          f.tolerance("atol"), f.tolerance("rtol"));
    }
  }

  /**
   * Ultralytics' RepC3 blocks exported without its fuse() (RepConv's 3x3 and 1x1 branches, plus the
   * literal 0 it adds) end with as many convolutions as Ultralytics' own fused export of the same
   * weights.
   */
  @Test
  void repConvTrainingFormEndsWithAsManyConvsAsUltralyticsFusedExport() {
    Graph training = Onnx.read(fixture("ultralytics_yolov8t_repc3-training-torchscript17").model());
    Graph fused = Onnx.read(fixture("ultralytics_yolov8t_repc3-default-onnx18").model());
    long ultralytics = TestGraphs.count(fused, "Conv");
    assertTrue(TestGraphs.count(training, "Conv") > ultralytics, "the training form has the 1x1 branches");
    PassManager.Report report = Pipelines.deploy().run(training);
    assertEquals(4, rewrites(report, "reparameterize-repvgg"), report.format());
    assertEquals(ultralytics, TestGraphs.count(training, "Conv"));
  }

  private static Fixture fixture(String name) {
    return Fixture.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void focusStemBecomesOneStrideTwoConvOnTheInput() {
    Fixture f = Fixture.all().stream().filter(x -> x.name().startsWith("yolov5n_focus")).findFirst().orElseThrow();
    Graph g = Onnx.read(f.model());
    String input = g.inputs().get(0).name();
    assertTrue(!g.consumers(input).isEmpty() && g.consumers(input).stream().allMatch(n -> n.opType().equals("Slice")),
        "the fixture's stem starts with Slices (TorchScript shares the row slices between views)");
    PassManager.Report report = Pipelines.deploy().run(g);
    assertEquals(1, rewrites(report, "fuse-focus"), report.format());
    List<Node> readers = g.consumers(input);
    assertEquals(1, readers.size(), readers.toString());
    Node stem = readers.get(0);
    assertEquals("Conv", stem.opType());
    assertArrayEquals(new long[] {2, 2}, stem.attrInts("strides"));
    assertEquals(6, g.initializer(stem.input(1)).dim(3), "a k=3 Focus conv becomes a 6x6 kernel");
    assertTrue(g.nodes().stream().noneMatch(n -> n.opType().equals("Slice") && n.input(0).equals(input)),
        "no stem Slice is left (the decoded head keeps its own Slices)");
  }

  /**
   * RepVGG's arithmetic checked in float64 on real weights: the block as exported, evaluated branch
   * by branch with direct convolutions, against the one re-parameterized conv (float32 weights).
   */
  @Test
  void reparameterizedBlockMatchesItsBranchesInFloat64() {
    Fixture f = Fixture.all().stream().filter(x -> x.name().equals("repvgg_block-training-torchscript17"))
        .findFirst().orElseThrow();
    Graph g = Onnx.read(f.model());
    Pipelines.cleanup().run(g);
    Graph before = g.copy();
    PassManager.Report report = Pipelines.deploy().run(g);
    assertEquals(1, rewrites(report, "reparameterize-repvgg"));
    assertEquals(List.of("Conv", "Relu"), g.nodes().stream().map(Node::opType).toList());
    ValueInfo in = g.inputs().get(0);
    int[] shape = java.util.Arrays.stream(in.shape().toArray()).mapToInt(Math::toIntExact).toArray();
    Random r = new Random(5);
    double[] x = new double[Math.toIntExact(Tensor.elementCount(shape))];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    var a = ReferenceEvaluator.run(before, Map.of(in.name(), new ReferenceEvaluator.Value(shape, x)));
    var b = ReferenceEvaluator.run(g, Map.of(in.name(), new ReferenceEvaluator.Value(shape, x)));
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < a.size(); i++) {
      maxAbs = Math.max(maxAbs, Math.abs(a.data()[i]));
      maxDiff = Math.max(maxDiff, Math.abs(a.data()[i] - b.data()[i]));
    }
    System.out.printf("repvgg block in float64: max |diff| %.3g, max |reference| %.3g%n", maxDiff, maxAbs);
    assertTrue(maxAbs > 0.1);
    assertTrue(maxDiff < 1e-5 * maxAbs, "max diff " + maxDiff + " of max " + maxAbs);
  }

  private static int rewrites(PassManager.Report report, String pass) {
    return report.passes().stream().filter(p -> p.pass().equals(pass)).mapToInt(PassManager.PassSummary::rewritten)
        .sum();
  }

  private static void assertSameAsOriginalOnRandomInput(Fixture f, byte[] fused) throws IOException {
    Graph original = Onnx.read(f.model());
    ValueInfo in = original.inputs().get(0);
    int[] dims = in.shape().dims().stream().mapToInt(d -> d.isKnown() ? Math.toIntExact(d.value()) : 1).toArray();
    Random r = new Random(17);
    float[] x = new float[Math.toIntExact(Tensor.elementCount(dims))];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    Map<String, Tensor> feed = Map.of(in.name(), Tensor.of(x, dims));
    Map<String, Tensor> want = Ort.run(Files.readAllBytes(f.model()), feed);
    Map<String, Tensor> have = Ort.run(fused, feed);
    assertEquals(List.copyOf(want.keySet()), List.copyOf(have.keySet()));
    for (String k : want.keySet()) {
      assertClose(f.name() + " output " + k + " (vs original in ONNX Runtime)", want.get(k).data(),
          have.get(k).data(), 1e-4, 1e-4);
    }
  }

  /** numpy.allclose(have, want, rtol, atol), and not vacuously: the reference must not be all zero. */
  private static void assertClose(String what, float[] want, float[] have, double atol, double rtol) {
    assertEquals(want.length, have.length, what + ": element count");
    double worst = 0;
    int at = -1;
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < want.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want[i]));
      maxDiff = Math.max(maxDiff, Math.abs(have[i] - want[i]));
      double excess = Math.abs(have[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
      if (at < 0 || excess > worst) {
        worst = excess;
        at = i;
      }
    }
    System.out.printf("%s: max |diff| %.3g, max |reference| %.3g%n", what, maxDiff, maxAbs);
    assertTrue(maxAbs > 0, what + ": reference is all zeros");
    int i = at;
    assertTrue(worst <= 0, () -> what + ": element " + i + " is " + have[i] + ", expected " + want[i]
        + " (atol " + atol + ", rtol " + rtol + ")");
  }
}
