package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A ShuffleNetV2 branch of 30 channels (1x1 conv + ReLU, depth-wise 3x3, 1x1 conv) is padded to 32
 * channels, and ncnn's output of it matches ONNX Runtime's on the unpadded graph; chains it does not
 * apply to keep their channel counts.
 */
class NcnnPadUnpackedChannelsTest {
  @ParameterizedTest(name = "{0} activation after the depth-wise layer")
  @CsvSource({"None", "Sigmoid"})
  void padsTheBranchToEightChannelsAndMatchesOnnxRuntime(String after) {
    TestGraph t = new TestGraph("pad", 8);
    Graph g = t.graph;
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 12, 9, 11));
    String y = t.conv(t.op(Node.builder("Relu").inputs(t.conv("x", 12, 30, 1, 1, 1))), 30, 30, 3, 1, 30);
    if (after.equals("Sigmoid")) { // sigmoid(0) = 0.5 on the padded channels: the reader's zero weights hide it
      y = t.op(Node.builder("Sigmoid").inputs(y));
    }
    String out = t.conv(y, 30, 7, 1, 1, 1);
    g.addOutput(new ValueInfo(out, DataType.FLOAT, Shape.unknown()));
    Tensor x = t.noise(1, 1, 12, 9, 11);
    Map<String, Tensor> expected = OnnxRuntime.run(OnnxWriter.toBytes(g), Map.of("x", x));

    NcnnLowering.lower(g);
    assertArrayEquals(new long[] {32, 32, 7}, outputsOf(g), "conv, depth-wise, reader");
    assertEquals(32, g.nodes().stream().filter(n -> n.opType().equals("ConvolutionDepthWise")).findFirst()
        .orElseThrow().attrInt("7", 0), "groups");
    NcnnFiles files = NcnnWriter.render(g, WeightStorage.FP32);
    try (NcnnModel model = NcnnModel.load(files.paramBytes(), files.bin(), "pad", NcnnOptions.builder().threads(1).build());
        NcnnSession session = model.newSession()) {
      session.input("x", x);
      Outputs.assertClose(expected.get(out), session.extract(out), 1e-5, files.param());
    }
  }

  @Test
  void leavesPackableCountsChainsWithoutDepthWiseAndQuantizationLoweringAlone() {
    for (int variant = 0; variant < 3; variant++) {
      int c = variant == 0 ? 28 : 30; // 28: a multiple of 4
      TestGraph t = new TestGraph("pad", 8);
    Graph g = t.graph;
      g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 12, 9, 11));
      String y = t.op(Node.builder("Relu").inputs(t.conv("x", 12, c, 1, 1, 1)));
      if (variant != 1) { // variant 1: no depth-wise layer between the two convolutions
        y = t.conv(y, c, c, 3, 1, c);
      }
      g.addOutput(new ValueInfo(t.conv(y, c, 7, 1, 1, 1), DataType.FLOAT, Shape.unknown()));
      if (variant == 2) {
        NcnnLowering.lowerForQuantization(g);
      } else {
        NcnnLowering.lower(g);
      }
      assertEquals(c, outputsOf(g)[0], "variant " + variant);
    }
  }

  private static long[] outputsOf(Graph g) {
    return g.nodes().stream().filter(n -> n.opType().startsWith("Convolution")).mapToLong(n -> n.attrInt("0", 0))
        .toArray();
  }




}
