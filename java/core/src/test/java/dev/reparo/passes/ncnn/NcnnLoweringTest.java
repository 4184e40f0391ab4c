package dev.reparo.passes.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnReader;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.passes.PassManager;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class NcnnLoweringTest {
  private static Map<String, Integer> layerCounts(Graph g) {
    Map<String, Integer> m = new TreeMap<>();
    g.nodes().forEach(n -> m.merge(n.opType(), 1, Integer::sum));
    return m;
  }

  private static Node only(Graph g, String type) {
    List<Node> l = g.nodes().stream().filter(n -> n.opType().equals(type)).toList();
    assertEquals(1, l.size(), type + " layers: " + l);
    return l.get(0);
  }

  @Test
  void shuffleNetUnitBecomesSliceConvolutionsConcatAndShuffleChannel() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("unit", 1, 1, 8, 6, 6);
    String[] halves = b.split("x", 1, 4, 4);
    String r = b.op("Relu", b.conv(halves[1], 4, 4, 1, 1, 0, 1));
    r = b.conv(r, 4, 4, 3, 1, 1, 4);
    String cat = b.node(Node.builder("Concat").inputs(halves[0], r).intAttr("axis", 1));
    Graph g = b.output(b.channelShuffle(cat, 8, 6, 6, 2));

    PassManager.Report report = NcnnLowering.lower(g);
    assertEquals(Map.of("Concat", 1, "Convolution", 1, "ConvolutionDepthWise", 1, "ShuffleChannel", 1,
        "Slice", 1), layerCounts(g), report.format());
    assertEquals(2, only(g, "ShuffleChannel").attrInt("0", 0));
    assertArrayEquals(new long[] {4, 4}, only(g, "Slice").attrInts("0"));
    assertEquals(0, only(g, "Slice").attrInt("1", -1));
    assertEquals(1, only(g, "Convolution").attrInt("9", 0), "ReLU folded into the convolution");
    assertEquals(4, only(g, "ConvolutionDepthWise").attrInt("7", 0));
    assertEquals(0, only(g, "Concat").attrInt("0", -1), "NCHW axis 1 is ncnn axis 0");
  }

  @Test
  void expFloorAndCeilBecomeUnaryOps() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("unary", 13, 1, 3, 5, 5);
    Graph g = b.output(b.op("Ceil", b.op("Floor", b.op("Exp", "x"))));
    NcnnLowering.lower(g);
    assertEquals(List.of(7L, 2L, 3L), g.nodes().stream().map(n -> {
      assertEquals("UnaryOp", n.opType());
      return n.attrInt("0", -1);
    }).toList(), "op_type exp, floor, ceil");
  }

  @Test
  void channelHalvesTakenBySlicesBecomeOneSlice() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("chunk", 2, 1, 6, 4, 4);
    String lo = b.op("Slice", "x", b.ints(0), b.ints(3), b.ints(1));
    String hi = b.op("Slice", "x", b.ints(3), b.ints(Long.MAX_VALUE), b.ints(1));
    Graph g = b.output(b.op("Add", b.op("Relu", lo), hi));
    NcnnLowering.lower(g);
    assertArrayEquals(new long[] {3, 3}, only(g, "Slice").attrInts("0"));
    assertEquals(1, only(g, "Eltwise").attrInt("0", -1));
  }

  @Test
  void cropsTilingTheLastAxisBecomeOneSliceWithoutASplit() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("head", 16, 1, 2, 4, 11);
    String xy = b.op("Slice", "x", b.ints(0), b.ints(2), b.ints(3));
    String wh = b.op("Slice", "x", b.ints(2), b.ints(4), b.ints(-1));
    String cls = b.op("Slice", "x", b.ints(4), b.ints(Long.MAX_VALUE), b.ints(3));
    Graph g = b.output(b.op("Relu", xy), b.op("Sigmoid", wh), b.op("Relu", cls));
    NcnnLowering.lower(g);
    assertEquals(Map.of("ReLU", 2, "Sigmoid", 1, "Slice", 1), layerCounts(g));
    Node slice = only(g, "Slice");
    assertArrayEquals(new long[] {2, 2, 7}, slice.attrInts("0"));
    assertEquals(2, slice.attrInt("1", -1), "NCHW axis 3 is ncnn axis 2 (w)");
  }

  @Test
  void siluBecomesSwishAndIsNotFoldedIntoTheConvolution() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("silu", 3, 1, 3, 5, 5);
    Graph g = b.output(b.silu(b.conv("x", 3, 4, 3, 1, 1, 1)));
    NcnnLowering.lower(g);
    assertEquals(Map.of("Convolution", 1, "Swish", 1), layerCounts(g));
    assertEquals(0, only(g, "Convolution").attrInt("9", 0));
  }

  private static String scalar(OnnxGraphBuilder b, float v) {
    return b.weight(new float[] {v}, 1);
  }

  /** x * relu6(x + 3) / 6, PyTorch's hard swish written out by hand. */
  private static String relu6HardSwish(OnnxGraphBuilder b, String x) {
    String relu6 = b.op("Clip", b.op("Add", x, scalar(b, 3)), scalar(b, 0), scalar(b, 6));
    return b.op("Div", b.op("Mul", x, relu6), scalar(b, 6));
  }

  @Test
  void hardSigmoidTimesItsInputBecomesAHardSwishFoldedIntoTheConvolution() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("hswish", 8, 1, 3, 5, 5);
    String c = b.conv("x", 3, 4, 3, 1, 1, 1);
    String hs = b.node(Node.builder("HardSigmoid").inputs(c).floatAttr("alpha", 1f / 6).floatAttr("beta", 0.5f));
    Graph g = b.output(b.op("Mul", hs, c));
    PassManager.Report report = NcnnLowering.lower(g);
    assertEquals(Map.of("Convolution", 1), layerCounts(g), report.format());
    Node conv = only(g, "Convolution");
    assertEquals(6, conv.attrInt("9", 0), "HardSwish is activation_type 6");
    assertArrayEquals(new float[] {1f / 6, 0.5f}, conv.attrFloats("10"));
  }

  @Test
  void relu6SpellingOfHardSwishBecomesOneHardSwishWithoutASplit() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("relu6", 9, 1, 3, 5, 5);
    Graph g = b.output(relu6HardSwish(b, b.op("Relu", "x")));
    NcnnLowering.lower(g);
    assertEquals(Map.of("HardSwish", 1, "ReLU", 1), layerCounts(g), "the ReLU's output is read once now");
    Node hs = only(g, "HardSwish");
    assertEquals(1f / 6, hs.attrFloat("0", 0), 1e-7);
    assertEquals(0.5f, hs.attrFloat("1", 0), 1e-7);
  }

  @Test
  void relu6DividedInsideBecomesHardSigmoidThenHardSwish() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("relu6in", 10, 1, 3, 5, 5);
    String c = b.conv("x", 3, 4, 1, 1, 0, 1);
    String gate = b.op("Mul", b.op("Clip", b.op("Add", scalar(b, 2), c), scalar(b, 0), scalar(b, 4)), scalar(b, 0.25f));
    Graph g = b.output(b.op("Mul", c, gate));
    NcnnLowering.lower(g);
    Node conv = only(g, "Convolution");
    assertEquals(Map.of("Convolution", 1), layerCounts(g));
    assertArrayEquals(new float[] {0.25f, 0.5f}, conv.attrFloats("10"), "relu4(x + 2) / 4 is alpha 1/4, beta 1/2");
  }

  @Test
  void relu6WithoutTheDivisionIsNoHardSwish() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("relu6only", 11, 1, 3, 5, 5);
    String relu6 = b.op("Clip", b.op("Add", "x", scalar(b, 3)), scalar(b, 0), scalar(b, 6));
    Graph g = b.output(b.op("Mul", "x", relu6));
    NcnnLowering.lower(g);
    assertEquals(Map.of("BinaryOp", 2, "Clip", 1, "Split", 1), layerCounts(g));
  }

  @Test
  void hardSigmoidReadElsewhereIsRefusedWithTheReason() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("shared-hs", 12, 1, 3, 5, 5);
    String hs = b.op("HardSigmoid", "x");
    Graph g = b.output(b.op("Add", b.op("Mul", "x", hs), hs));
    PassManager.Report report = NcnnLowering.lower(g);
    assertEquals(Map.of("BinaryOp", 1, "Eltwise", 1, "HardSigmoid", 1, "Split", 2), layerCounts(g));
    List<String> refused = report.passes().stream().filter(p -> p.pass().equals("ncnn-hardswish")).findFirst()
        .orElseThrow().refused();
    assertEquals(1, refused.size(), report.format());
    assertTrue(refused.get(0).contains("read elsewhere"), refused.get(0));
  }

  @Test
  void mishChainBecomesMishFoldedIntoTheConvolution() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("mish", 13, 1, 3, 5, 5);
    String c = b.conv("x", 3, 4, 3, 1, 1, 1);
    Graph g = b.output(b.op("Mul", c, b.op("Tanh", b.op("Softplus", c))));
    NcnnLowering.lower(g);
    assertEquals(Map.of("Convolution", 1), layerCounts(g));
    assertEquals(5, only(g, "Convolution").attrInt("9", 0), "Mish is activation_type 5");
  }

  @Test
  void erfGeluBecomesOneGeluLayerAfterTheConvolution() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("gelu", 14, 1, 3, 5, 5);
    String c = b.conv("x", 3, 4, 3, 1, 1, 1);
    String erf = b.op("Add", b.op("Erf", b.op("Div", c, scalar(b, (float) Math.sqrt(2)))), scalar(b, 1));
    Graph g = b.output(b.op("Mul", b.op("Mul", c, erf), scalar(b, 0.5f)));
    NcnnLowering.lower(g);
    assertEquals(Map.of("Convolution", 1, "GELU", 1), layerCounts(g), "ncnn has no GELU activation_type");
    assertEquals(0, only(g, "GELU").attrInt("0", -1), "exact, not fast_gelu");
  }

  @Test
  void activationReadWithOtherLayersIsNotFoldedAndSaysWhy() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("shared-relu", 15, 1, 3, 5, 5);
    String c = b.conv("x", 3, 4, 3, 1, 1, 1);
    Graph g = b.output(b.op("Add", b.op("Relu", c), c));
    PassManager.Report report = NcnnLowering.lower(g);
    assertEquals(0, only(g, "Convolution").attrInt("9", 0));
    List<String> refused = report.passes().stream().filter(p -> p.pass().equals("ncnn-fold-activation"))
        .findFirst().orElseThrow().refused();
    assertEquals(1, refused.size(), report.format());
    assertTrue(refused.get(0).contains("read by 2 layers"), refused.get(0));
  }

  @Test
  void perChannelMulAddBecomesScaleAndLeftoverBatchNormBatchNorm() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("affine", 4, 1, 3, 4, 4);
    String s = b.weight(new float[] {1, 2, 3}, 3, 1, 1);
    String t = b.weight(new float[] {-1, 0, 1}, 3, 1, 1);
    String affine = b.op("Add", b.op("Mul", "x", s), t);
    String bn = b.op("BatchNormalization", affine, b.weight(b.random(3), 3), b.weight(b.random(3), 3),
        b.weight(b.random(3), 3), b.weight(new float[] {1, 2, 3}, 3));
    Graph g = b.output(bn);
    NcnnLowering.lower(g);
    assertEquals(Map.of("BatchNorm", 1, "Scale", 1), layerCounts(g));
    Node scale = only(g, "Scale");
    assertEquals(3, scale.attrInt("0", 0));
    assertEquals(1, scale.attrInt("1", 0));
    assertArrayEquals(new float[] {1, 2, 3}, g.initializer(scale.input(1)).data());
  }

  @Test
  void blobReadTwiceGetsASplitAndTheResultWritesAndRoundTrips() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("shared", 5, 1, 2, 4, 4);
    String c = b.conv("x", 2, 2, 3, 1, 1, 1);
    Graph g = b.output(b.op("Add", b.op("Relu", c), b.op("Sigmoid", c)));
    NcnnLowering.lower(g);
    Node split = only(g, "Split");
    assertEquals(2, split.outputs().size());
    NcnnFiles f = NcnnWriter.render(g, WeightStorage.FP32);
    assertTrue(f.param().contains("Split "), f.param());
    Graph read = NcnnReader.read(f.param(), f.bin(), "m.param", "m.bin");
    assertEquals(f, NcnnWriter.render(read, WeightStorage.FP32));
  }

  @Test
  void stridedSliceIsUnsupportedAndNamesTheNode() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("focus", 6, 1, 3, 4, 4);
    Graph g = b.output(b.op("Slice", "x", b.ints(0), b.ints(4), b.ints(2), b.ints(2)));
    String name = g.nodes().get(0).name();
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> NcnnLowering.lower(g));
    assertEquals(name, e.nodeName());
    assertTrue(e.getMessage().contains("step 2"), e.getMessage());
  }

  @Test
  void transposeOfTheBatchAxisIsUnsupported() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("t", 7, 1, 3, 4, 4);
    Graph g = b.output(b.node(Node.builder("Transpose").inputs("x").intsAttr("perm", 1, 0, 2, 3)));
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> NcnnLowering.lower(g));
    assertTrue(e.getMessage().contains("batch"), e.getMessage());
  }
}
