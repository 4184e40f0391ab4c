package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.passes.PassManager;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An image stem (3x3 convolution on 3 channels, activation, max-pooling) becomes one convolution per
 * 8 outputs joined after the pooling, and ncnn's outputs of it match ONNX Runtime's on the original
 * graph; without a downsampling pooling, or on 4 input channels, it stays one layer.
 */
class NcnnSplitStemConvolutionTest {
  @ParameterizedTest(name = "{0} outputs, {1}, stride {2}")
  @CsvSource({"16, Relu, 2", "24, SiLU, 2", "16, Relu, 1", "24, None, 2"})
  void splitsTheStemBeforeAPoolingAndMatchesOnnxRuntime(int outputs, String activation, int stride) {
    TestGraph t = new TestGraph("stem", 5);
    Graph g = t.graph;
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 20, 24));
    String y = activate(t, t.conv("x", 3, outputs, 3, stride, 1), activation);
    y = t.op(Node.builder("MaxPool").inputs(y).intsAttr("kernel_shape", 3, 3).intsAttr("strides", 2, 2)
        .intsAttr("pads", 1, 1, 1, 1));
    String mixed = t.conv(y, outputs, 5, 1, 1, 1); // reads every channel: the join must keep their order
    g.addOutput(new ValueInfo(y, DataType.FLOAT, Shape.unknown()));
    g.addOutput(new ValueInfo(mixed, DataType.FLOAT, Shape.unknown()));

    Tensor x = t.noise(2, 1, 3, 20, 24);
    Map<String, Tensor> expected = OnnxRuntime.run(OnnxWriter.toBytes(g), Map.of("x", x));
    PassManager.Report report = NcnnLowering.lower(g);
    NcnnFiles files = NcnnWriter.render(g, WeightStorage.FP32);

    Map<String, Integer> types = layerTypes(files);
    int parts = outputs / 8;
    assertEquals(parts + 1, types.get("Convolution"), files.param());
    assertEquals(parts, types.get("Pooling"), files.param());
    assertEquals(1, types.get("Concat"), files.param());
    assertEquals(activation.equals("SiLU") ? parts : null, types.get("Swish"), files.param());
    assertEquals(1, report.passes().stream().filter(p -> p.pass().equals("ncnn-split-stem-convolution"))
        .mapToInt(PassManager.PassSummary::rewritten).sum(), report.format());
    assertMatches(g, files, x, expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"no pooling after it, 3, 16", "four input channels, 4, 16", "32 outputs, 3, 32", "40 outputs, 3, 40"})
  void leavesOtherConvolutionsAlone(String why, int inputChannels, int outputs) {
    TestGraph t = new TestGraph("stem", 5);
    Graph g = t.graph;
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, inputChannels, 16, 16));
    String y = activate(t, t.conv("x", inputChannels, outputs, 3, 2, 1), "Relu");
    if (inputChannels == 4 || outputs > 24) {
      y = t.op(Node.builder("MaxPool").inputs(y).intsAttr("kernel_shape", 2, 2).intsAttr("strides", 2, 2));
    }
    String out = t.conv(y, outputs, 8, 3, 1, 1);
    g.addOutput(new ValueInfo(out, DataType.FLOAT, Shape.unknown()));
    NcnnLowering.lower(g);
    NcnnFiles files = NcnnWriter.render(g, WeightStorage.FP32);
    assertEquals(2, layerTypes(files).get("Convolution"), why + ": " + files.param());
    assertEquals(null, layerTypes(files).get("Concat"), why + ": " + files.param());
  }

  @Test
  void afterInt8LoweringOnlyAnFp32StemIsSplit() {
    for (boolean quantized : new boolean[] {false, true}) {
      TestGraph t = new TestGraph("stem", 5);
    Graph g = t.graph;
      g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 16, 16));
      String y = t.op(Node.builder("MaxPool").inputs(activate(t, t.conv("x", 3, 16, 3, 2, 1), "Relu"))
          .intsAttr("kernel_shape", 2, 2).intsAttr("strides", 2, 2));
      g.addOutput(new ValueInfo(t.conv(y, 16, 8, 3, 1, 1), DataType.FLOAT, Shape.unknown()));
      NcnnLowering.lowerForQuantization(g);
      assertEquals(2, g.nodes().stream().filter(n -> n.opType().equals("Convolution")).count(),
          "calibration sees the stem whole");
      if (quantized) { // what Int8Lowering leaves on a quantized layer: its int8_scale_term
        Node stem = g.nodes().stream().filter(n -> n.opType().equals("Convolution")).findFirst().orElseThrow();
        g.replaceNode(stem, stem.withAttribute(Attribute.of("8", 2L)));
      }
      assertEquals(quantized ? 0 : 1, NcnnLowering.fitKernels(g), quantized ? "int8 stem" : "FP32 stem");
      assertEquals(quantized ? 2 : 3, g.nodes().stream().filter(n -> n.opType().equals("Convolution")).count());
    }
  }


  private static String activate(TestGraph t, String x, String activation) {
    return switch (activation) {
      case "Relu" -> t.op(Node.builder("Relu").inputs(x));
      case "SiLU" -> t.op(Node.builder("Mul").inputs(x, t.op(Node.builder("Sigmoid").inputs(x))));
      default -> x;
    };
  }




  private static Map<String, Integer> layerTypes(NcnnFiles files) {
    Map<String, Integer> types = new TreeMap<>();
    NcnnParam.parse(files.param(), "stem.param").layers().forEach(l -> types.merge(l.type(), 1, Integer::sum));
    return types;
  }

  private static void assertMatches(Graph g, NcnnFiles files, Tensor x, Map<String, Tensor> expected) {
    try (NcnnModel model = NcnnModel.load(files.paramBytes(), files.bin(), "stem",
        NcnnOptions.builder().threads(1).build());
        NcnnSession session = model.newSession()) {
      session.input("x", x);
      for (ValueInfo o : g.outputs()) {
        Outputs.assertClose(expected.get(o.name()), session.extract(o.name()), 1e-5, o.name());
      }
    }
  }
}
