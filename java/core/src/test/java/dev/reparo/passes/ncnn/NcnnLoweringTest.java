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
  void siluBecomesSwishAndIsNotFoldedIntoTheConvolution() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("silu", 3, 1, 3, 5, 5);
    Graph g = b.output(b.silu(b.conv("x", 3, 4, 3, 1, 1, 1)));
    NcnnLowering.lower(g);
    assertEquals(Map.of("Convolution", 1, "Swish", 1), layerCounts(g));
    assertEquals(0, only(g, "Convolution").attrInt("9", 0));
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
