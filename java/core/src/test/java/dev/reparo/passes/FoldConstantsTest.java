package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.testing.Ort;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Folds small graphs of export-style constant arithmetic and checks every folded value against
 * ONNX Runtime computing the unfolded graph. Each value under test is exposed through an Identity
 * node so that it stays observable after folding.
 */
class FoldConstantsTest {
  private static final Tensor X = Tensor.of(new float[24], 2, 3, 4);

  private static Graph graph(long opset) {
    Graph g = new Graph("fold", opset);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 2, 3, 4));
    return g;
  }

  private static Node op(String type, String out, String... in) {
    return Node.builder(type).name(out).inputs(in).outputs(out).build();
  }

  private static Node constant(String out, LongTensor v) {
    return Node.builder("Constant").name(out).outputs(out).tensorAttr("value", v).build();
  }

  private static Node constant(String out, Tensor v) {
    return Node.builder("Constant").name(out).outputs(out).tensorAttr("value", v).build();
  }

  /** Exposes {@code value} as graph output {@code value + "_out"}. */
  private static void expose(Graph g, String... values) {
    for (String v : values) {
      g.addNode(op("Identity", v + "_out", v));
      g.addOutput(ValueInfo.unknown(v + "_out"));
    }
  }

  /** Folds the graph; every exposed value must equal what ORT computes from the original. */
  private static PassLog foldAndCompare(Graph g, Set<String> opsLeft) {
    Map<String, Tensor> feeds = Map.of("x", X);
    Map<String, Tensor> expected = Ort.run(OnnxWriter.toBytes(g), feeds);
    PassLog log = new PassLog();
    new FoldConstants().run(g, log);
    new EliminateDeadNodes().run(g, new PassLog());
    Set<String> left = new TreeSet<>();
    g.nodes().forEach(n -> left.add(n.opType()));
    assertEquals(new TreeSet<>(opsLeft), left, "operators left after folding");
    Map<String, Tensor> actual = Ort.run(OnnxWriter.toBytes(g), feeds);
    for (String name : expected.keySet()) {
      assertArrayEquals(expected.get(name).shape(), actual.get(name).shape(), name);
      assertArrayEquals(expected.get(name).data(), actual.get(name).data(), name);
    }
    return log;
  }

  @Test
  void foldsTheShapeGatherUnsqueezeConcatChainOfAStaticallyShapedInput() {
    Graph g = graph(17);
    g.addNode(op("Shape", "shape", "x"));
    g.addNode(constant("one", LongTensor.scalar(1)));
    g.addNode(op("Gather", "dim1", "shape", "one"));
    g.addNode(constant("zero_axis", LongTensor.vector(0)));
    g.addNode(op("Unsqueeze", "dim1_1d", "dim1", "zero_axis"));
    g.addNode(constant("minus_one", LongTensor.vector(-1)));
    g.addNode(Node.builder("Concat").name("target").inputs("minus_one", "dim1_1d").outputs("target")
        .intAttr("axis", 0).build());
    g.addNode(op("Reshape", "y", "x", "target"));
    g.addNode(Node.builder("Shape").name("tail").inputs("x").outputs("tail").intAttr("start", -2).build());
    g.addOutput(ValueInfo.unknown("y"));
    expose(g, "target", "tail");
    PassLog log = foldAndCompare(g, Set.of("Reshape", "Identity"));
    assertTrue(log.changedGraph());
    assertEquals(LongTensor.vector(-1, 3), g.longInitializer("target"));
  }

  @Test
  void doesNotFoldTheShapeOfAValueWithSymbolicDims() {
    Graph g = new Graph("dynamic", 17);
    g.addInput(new ValueInfo("x", DataType.FLOAT, Shape.of(List.of(Dim.symbolic("batch"), Dim.of(3)))));
    g.addNode(op("Shape", "shape", "x"));
    g.addNode(op("Relu", "y", "x"));
    g.addOutput(ValueInfo.unknown("y"));
    expose(g, "shape");
    PassLog log = new PassLog();
    new FoldConstants().run(g, log);
    assertTrue(!log.changedGraph());
    assertEquals("Shape", g.nodes().get(0).opType());
  }

  @Test
  void integerArithmeticTruncatesLikeOnnxRuntime() {
    Graph g = graph(17);
    g.addNode(constant("a", LongTensor.vector(7, -7, 8, 0)));
    g.addNode(constant("b", LongTensor.vector(2)));
    for (String type : List.of("Add", "Sub", "Mul", "Div", "Pow")) {
      g.addNode(op(type, type.toLowerCase(), "a", "b"));
    }
    g.addNode(op("Equal", "eq", "a", "b"));
    g.addNode(op("Where", "where", "eq", "a", "b"));
    expose(g, "add", "sub", "mul", "div", "pow", "eq", "where");
    foldAndCompare(g, Set.of("Identity"));
    assertEquals(LongTensor.vector(3, -3, 4, 0), g.longInitializer("div"));
  }

  @Test
  void floatArithmeticMatchesOnnxRuntime() {
    Graph g = graph(17);
    g.addNode(constant("a", Tensor.of(new float[] {1.5f, -2f, 3.25f, 0.1f, 7f, -0.5f}, 2, 3)));
    g.addNode(constant("b", Tensor.of(new float[] {0.3f, 2f, -1.5f}, 3)));
    g.addNode(constant("two", Tensor.of(new float[] {2f}, 1)));
    for (String type : List.of("Add", "Sub", "Mul", "Div")) {
      g.addNode(op(type, type.toLowerCase(), "a", "b"));
    }
    g.addNode(op("Pow", "pow", "a", "two"));
    g.addNode(op("Equal", "eq", "a", "b"));
    g.addNode(op("Where", "where", "eq", "a", "b"));
    expose(g, "add", "sub", "mul", "div", "pow", "eq", "where");
    foldAndCompare(g, Set.of("Identity"));
  }

  @Test
  void castsConvertLikeOnnxRuntime() {
    Graph g = graph(17);
    g.addNode(constant("f", Tensor.of(new float[] {-1.7f, 2.5f, 0f, 300.9f}, 4)));
    g.addNode(constant("i", LongTensor.vector(-3, 0, 70000, 5)));
    g.addNode(Node.builder("Cast").name("f2l").inputs("f").outputs("f2l").intAttr("to", 7).build());
    g.addNode(Node.builder("Cast").name("f2b").inputs("f").outputs("f2b").intAttr("to", 9).build());
    g.addNode(Node.builder("Cast").name("f2i").inputs("f").outputs("f2i").intAttr("to", 6).build());
    g.addNode(Node.builder("Cast").name("i2f").inputs("i").outputs("i2f").intAttr("to", 1).build());
    g.addNode(Node.builder("Cast").name("i2u8").inputs("i").outputs("i2u8").intAttr("to", 2).build());
    g.addNode(op("CastLike", "like", "i", "x")); // the second input only gives the type
    expose(g, "f2l", "f2b", "f2i", "i2f", "i2u8", "like");
    foldAndCompare(g, Set.of("Identity"));
  }

  @Test
  void rangeConstantOfShapeAndExpandMatchOnnxRuntime() {
    Graph g = graph(17);
    g.addNode(constant("s", LongTensor.scalar(10)));
    g.addNode(constant("l", LongTensor.scalar(0)));
    g.addNode(constant("d", LongTensor.scalar(-3)));
    g.addNode(op("Range", "down", "s", "l", "d"));
    g.addNode(constant("fs", Tensor.of(new float[] {0.5f})));
    g.addNode(constant("fl", Tensor.of(new float[] {2.1f})));
    g.addNode(constant("fd", Tensor.of(new float[] {0.3f})));
    g.addNode(op("Range", "frange", "fs", "fl", "fd"));
    g.addNode(constant("dims", LongTensor.vector(2, 3)));
    g.addNode(Node.builder("ConstantOfShape").name("fives").inputs("dims").outputs("fives")
        .tensorAttr("value", LongTensor.vector(5)).build());
    g.addNode(op("ConstantOfShape", "zeros", "dims"));
    g.addNode(constant("col", Tensor.of(new float[] {1, 2, 3}, 3, 1)));
    g.addNode(constant("to", LongTensor.vector(2, 1, 4)));
    g.addNode(op("Expand", "expanded", "col", "to"));
    expose(g, "down", "frange", "fives", "zeros", "expanded");
    foldAndCompare(g, Set.of("Identity"));
  }

  @Test
  void sliceGatherSqueezeAndConcatMatchOnnxRuntime() {
    Graph g = graph(17);
    long[] iota = new long[24];
    for (int i = 0; i < 24; i++) {
      iota[i] = i;
    }
    g.addNode(constant("data", LongTensor.of(iota, 2, 3, 4)));
    g.addNode(constant("starts", LongTensor.vector(-1, 0)));
    g.addNode(constant("ends", LongTensor.vector(Long.MIN_VALUE, Long.MAX_VALUE)));
    g.addNode(constant("axes", LongTensor.vector(2, 1)));
    g.addNode(constant("steps", LongTensor.vector(-2, 2)));
    g.addNode(op("Slice", "sliced", "data", "starts", "ends", "axes", "steps"));
    g.addNode(constant("idx", LongTensor.of(new long[] {-1, 0, 2, 1}, 2, 2)));
    g.addNode(Node.builder("Gather").name("gathered").inputs("data", "idx").outputs("gathered").intAttr("axis", 1).build());
    g.addNode(constant("first", LongTensor.vector(0)));
    g.addNode(constant("one", LongTensor.vector(1)));
    g.addNode(op("Slice", "row", "data", "first", "one", "first"));
    g.addNode(op("Squeeze", "squeezed", "row", "first"));
    g.addNode(Node.builder("Concat").name("joined").inputs("squeezed", "squeezed").outputs("joined").intAttr("axis", -1).build());
    expose(g, "sliced", "gathered", "squeezed", "joined");
    foldAndCompare(g, Set.of("Identity"));
  }

  /** The anchor grids of an unfolded YOLOv8 export: a constant [N, 2] transposed to [2, N]. */
  @Test
  void transposeOfConstantsMatchesOnnxRuntime() {
    Graph g = graph(17);
    float[] v = new float[2 * 3 * 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 0.5f - 3;
    }
    g.addNode(constant("t", Tensor.of(v, 2, 3, 4)));
    g.addNode(Node.builder("Transpose").name("p120").inputs("t").outputs("p120").intsAttr("perm", 1, 2, 0).build());
    g.addNode(Node.builder("Transpose").name("rev").inputs("t").outputs("rev").build());
    g.addNode(constant("grid", Tensor.of(java.util.Arrays.copyOf(v, 6), 3, 2)));
    g.addNode(Node.builder("Transpose").name("grid_t").inputs("grid").outputs("grid_t").intsAttr("perm", 1, 0).build());
    expose(g, "p120", "rev", "grid_t");
    foldAndCompare(g, Set.of("Identity"));
  }

  @Test
  void foldsTheAttributeFormsOfOlderOpsets() {
    Graph g = graph(9);
    g.addNode(constant("data", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)));
    g.addNode(Node.builder("Slice").name("sliced").inputs("data").outputs("sliced")
        .intsAttr("starts", 1, -2).intsAttr("ends", 2, 1000).intsAttr("axes", 0, 1).build());
    g.addNode(Node.builder("Unsqueeze").name("unsq").inputs("sliced").outputs("unsq").intsAttr("axes", 0, 3).build());
    g.addNode(Node.builder("Squeeze").name("sq").inputs("unsq").outputs("sq").intsAttr("axes", 0).build());
    expose(g, "sliced", "unsq", "sq");
    foldAndCompare(g, Set.of("Identity"));
  }

  @Test
  void refusesGraphOutputsAndOversizedResultsAndSaysWhy() {
    Graph g = graph(17);
    g.addNode(constant("dims", LongTensor.vector(4096, 4096)));
    g.addNode(op("ConstantOfShape", "huge", "dims"));
    g.addNode(op("Relu", "big_relu", "huge"));
    g.addNode(constant("c", LongTensor.vector(3)));
    g.addNode(op("Identity", "out", "c"));
    g.addOutput(ValueInfo.unknown("big_relu"));
    g.addOutput(ValueInfo.unknown("out"));
    PassLog log = new PassLog();
    new FoldConstants().run(g, log);
    List<String> refusals = log.refusedSites().stream().map(s -> s.node() + ": " + s.reason()).toList();
    assertTrue(refusals.stream().anyMatch(r -> r.startsWith("node 'huge' (ConstantOfShape)") && r.contains("more than")),
        refusals.toString());
    assertTrue(refusals.stream().anyMatch(r -> r.startsWith("node 'out' (Identity)") && r.contains("graph output")),
        refusals.toString());
    assertTrue(g.nodes().stream().anyMatch(n -> n.name().equals("huge")));
    assertTrue(g.isInitializer("dims") && g.isInitializer("c"), "the Constant nodes themselves fold");
  }
}
