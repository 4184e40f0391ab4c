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
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A ShuffleNetV2 branch of 30 channels (1x1 conv + ReLU, depth-wise 3x3, 1x1 conv) is padded to 32
 * channels, and ncnn's output of it matches ONNX Runtime's on the unpadded graph; chains it does not
 * apply to keep their channel counts.
 */
class NcnnPadUnpackedChannelsTest {
  private final Random rng = new Random(8);
  private int count;

  @ParameterizedTest(name = "{0} activation after the depth-wise layer")
  @CsvSource({"None", "Sigmoid"})
  void padsTheBranchToEightChannelsAndMatchesOnnxRuntime(String after) {
    Graph g = new Graph("pad", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 12, 9, 11));
    String y = conv(g, op(g, Node.builder("Relu").inputs(conv(g, "x", 12, 30, 1, 1))), 30, 30, 3, 30);
    if (after.equals("Sigmoid")) { // sigmoid(0) = 0.5 on the padded channels: the reader's zero weights hide it
      y = op(g, Node.builder("Sigmoid").inputs(y));
    }
    String out = conv(g, y, 30, 7, 1, 1);
    g.addOutput(new ValueInfo(out, DataType.FLOAT, Shape.unknown()));
    Tensor x = noise(1, 12, 9, 11);
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
      Graph g = new Graph("pad", 13);
      g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 12, 9, 11));
      String y = op(g, Node.builder("Relu").inputs(conv(g, "x", 12, c, 1, 1)));
      if (variant != 1) { // variant 1: no depth-wise layer between the two convolutions
        y = conv(g, y, c, c, 3, c);
      }
      g.addOutput(new ValueInfo(conv(g, y, c, 7, 1, 1), DataType.FLOAT, Shape.unknown()));
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

  private String conv(Graph g, String x, int cin, int cout, int k, int group) {
    float[] w = new float[cout * cin / group * k * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rng.nextGaussian() * 0.5f;
    }
    float[] b = new float[cout];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rng.nextGaussian();
    }
    int p = k / 2;
    return op(g, Node.builder("Conv").inputs(x, weight(g, Tensor.of(w, cout, cin / group, k, k)), weight(g, Tensor.of(b, cout)))
        .intsAttr("kernel_shape", k, k).intsAttr("pads", p, p, p, p).intAttr("group", group));
  }

  private String op(Graph g, Node.Builder b) {
    String out = "v" + count++;
    g.addNode(b.name("n_" + out).outputs(out).build());
    return out;
  }

  private String weight(Graph g, Tensor t) {
    String name = "w" + count++;
    g.putInitializer(name, t);
    return name;
  }

  private Tensor noise(int... shape) {
    float[] v = new float[(int) Tensor.elementCount(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return Tensor.of(v, shape);
  }
}
