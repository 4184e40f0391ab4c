package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each spelling of an activation that an exporter writes with primitives becomes ncnn's fused layer,
 * checked in ncnn against ONNX Runtime running the same hand-built ONNX graph. The graph applies the
 * activation twice: to a convolution's output (where ncnn can, it becomes the convolution's
 * activation_type) and to the graph input, which the convolution reads too (one Split of x with two
 * tops: the fused chain reads x once). And every activation ncnn has an {@code activation_type}
 * for folds into Convolution, ConvolutionDepthWise and InnerProduct, also checked against ONNX Runtime.
 */
class NcnnExportActivationsTest {
  /** A spelling: the opset it needs, the layer it must become, whether a convolution can absorb it. */
  enum Spelling {
    HARDSIGMOID_TORCH(13, "HardSwish", true, (g, x) -> g.op("Mul", x,
        g.add(Node.builder("HardSigmoid").inputs(x).floatAttr("alpha", 1f / 6).floatAttr("beta", 0.5f)))),
    HARDSIGMOID_DEFAULTS_OPERANDS_SWAPPED(13, "HardSwish", true, (g, x) -> g.op("Mul", g.op("HardSigmoid", x), x)),
    RELU6_TIMES_X_OVER_6(13, "HardSwish", true, (g, x) -> g.op("Div", g.op("Mul", x, g.relu6Plus3(x)), g.scalar(6))),
    X_TIMES_RELU6_OVER_6(13, "HardSwish", true, (g, x) -> g.op("Mul", x, g.op("Div", g.relu6Plus3(x), g.scalar(6)))),
    RELU6_TIMES_X_TIMES_SIXTH(13, "HardSwish", true,
        (g, x) -> g.op("Mul", g.op("Mul", g.relu6Plus3(x), x), g.scalar(1f / 6))),
    MISH_CHAIN(13, "Mish", true, (g, x) -> g.op("Mul", x, g.op("Tanh", g.op("Softplus", x)))),
    MISH_OP(18, "Mish", true, (g, x) -> g.op("Mish", x)),
    GELU_ERF(13, "GELU", false, (g, x) -> g.op("Mul", g.op("Mul", x, g.erfPlus1(x)), g.scalar(0.5f))),
    GELU_ERF_HALF_FIRST(13, "GELU", false, (g, x) -> g.op("Mul", g.op("Mul", x, g.scalar(0.5f)), g.erfPlus1(x))),
    GELU_OP(20, "GELU", false, (g, x) -> g.op("Gelu", x)),
    GELU_TANH_OP(20, "GELU", false, (g, x) -> g.add(Node.builder("Gelu").inputs(x).stringAttr("approximate", "tanh"))),
    SILU(13, "Swish", false, (g, x) -> g.op("Mul", x, g.op("Sigmoid", x))),
    EXP(13, "UnaryOp", false, (g, x) -> g.op("Exp", x));

    final int opset;
    final String layer;
    final boolean folds;
    final BiFunction<Builder, String, String> apply;

    Spelling(int opset, String layer, boolean folds, BiFunction<Builder, String, String> apply) {
      this.opset = opset;
      this.layer = layer;
      this.folds = folds;
      this.apply = apply;
    }
  }

  /** An ONNX activation, the ncnn activation_type it must become and its ncnn param 10. */
  enum Activation {
    RELU(1, (g, x) -> g.op("Relu", x)),
    LEAKY_RELU(2, (g, x) -> g.add(Node.builder("LeakyRelu").inputs(x).floatAttr("alpha", 0.125f)), 0.125f),
    RELU6(3, (g, x) -> g.op("Clip", x, g.scalar(0), g.scalar(6)), 0, 6),
    CLIP_MIN_ONLY(3, (g, x) -> g.op("Clip", x, g.scalar(-0.5f)), -0.5f, Float.MAX_VALUE),
    SIGMOID(4, (g, x) -> g.op("Sigmoid", x)),
    MISH(5, (g, x) -> g.op("Mish", x)),
    HARDSWISH(6, (g, x) -> g.op("HardSwish", x), 1f / 6, 0.5f);

    final int type;
    final BiFunction<Builder, String, String> apply;
    final float[] params;

    Activation(int type, BiFunction<Builder, String, String> apply, float... params) {
      this.type = type;
      this.apply = apply;
      this.params = params;
    }
  }

  /** Builds the hand-made graph; seeded weights. */
  static final class Builder {
    final Graph g;
    final Random rng = new Random(19);
    int count;

    Builder(int opset) {
      g = new Graph("act", opset);
    }

    String add(Node.Builder b) {
      String out = "v" + count++;
      g.addNode(b.name("n_" + out).outputs(out).build());
      return out;
    }

    String op(String type, String... inputs) {
      return add(Node.builder(type).inputs(inputs));
    }

    String weight(float[] v, int... shape) {
      String name = "w" + count++;
      g.putInitializer(name, Tensor.of(v, shape));
      return name;
    }

    String scalar(float v) {
      return weight(new float[] {v}, 1);
    }

    String relu6Plus3(String x) {
      return op("Clip", op("Add", x, scalar(3)), scalar(0), scalar(6));
    }

    String erfPlus1(String x) {
      return op("Add", op("Erf", op("Div", x, scalar((float) Math.sqrt(2)))), scalar(1));
    }

    String conv(String x, int cin, int cout) {
      return conv(x, cin, cout, 1);
    }

    String conv(String x, int cin, int cout, int group) {
      float[] w = new float[cout * cin / group * 9];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) rng.nextGaussian() * 0.5f;
      }
      float[] b = new float[cout];
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) rng.nextGaussian();
      }
      return add(Node.builder("Conv").inputs(x, weight(w, cout, cin / group, 3, 3), weight(b, cout))
          .intsAttr("kernel_shape", 3, 3).intsAttr("pads", 1, 1, 1, 1).intAttr("group", group));
    }
  }

  @ParameterizedTest
  @EnumSource(Spelling.class)
  void becomesTheFusedLayerAndMatchesOnnxRuntime(Spelling spelling) {
    Builder b = new Builder(spelling.opset);
    Graph graph = b.g;
    graph.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4, 8, 8));
    String onConv = spelling.apply.apply(b, b.conv("x", 4, 6));
    String onInput = spelling.apply.apply(b, "x");
    graph.addOutput(new ValueInfo(onConv, DataType.FLOAT, Shape.unknown()));
    graph.addOutput(new ValueInfo(onInput, DataType.FLOAT, Shape.unknown()));
    Tensor x = input(b, 4); // well past the hard sigmoid's knees at -3 and 3
    Map<String, Tensor> expected = OnnxRuntime.run(OnnxWriter.toBytes(graph), Map.of("x", x));
    NcnnFiles files = lower(graph);
    Map<String, Integer> types = layerTypes(files);
    Map<String, Integer> want = new TreeMap<>(Map.of("Input", 1, "Convolution", 1, "Split", 1));
    want.put(spelling.layer, spelling.folds ? 1 : 2);
    assertEquals(want, types, files.param());
    assertEquals(2, graph.nodes().stream().filter(n -> n.opType().equals("Split")).findFirst().orElseThrow()
        .outputs().size(), "x is read by the convolution and by the fused activation, once each");
    if (spelling.folds) {
      long activationType = graph.nodes().stream().filter(n -> n.opType().equals("Convolution")).findFirst()
          .orElseThrow().attrInt("9", 0);
      assertEquals(spelling.layer.equals("Mish") ? 5L : 6L, activationType, files.param());
    }
    assertNcnnMatches(graph, files, x, expected, spelling.toString());
  }

  private static Tensor input(Builder b, float scale) {
    float[] xs = new float[4 * 8 * 8];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) b.rng.nextGaussian() * scale;
    }
    return Tensor.of(xs, 1, 4, 8, 8);
  }

  private static NcnnFiles lower(Graph graph) {
    NcnnLowering.lower(graph);
    return NcnnWriter.render(graph, WeightStorage.FP32);
  }

  private static Map<String, Integer> layerTypes(NcnnFiles files) {
    Map<String, Integer> types = new TreeMap<>();
    NcnnParam.parse(files.param(), "act.param").layers().forEach(l -> types.merge(l.type(), 1, Integer::sum));
    return types;
  }

  /** ncnn's outputs of the lowered {@code graph} within 1e-5 of the largest of ONNX Runtime's. */
  private static void assertNcnnMatches(Graph graph, NcnnFiles files, Tensor x, Map<String, Tensor> expected,
      String what) {
    try (NcnnModel model = NcnnModel.load(files.paramBytes(), files.bin(), "act",
        NcnnOptions.builder().threads(1).build());
        NcnnSession session = model.newSession()) {
      session.input("x", x);
      for (ValueInfo o : graph.outputs()) {
        Outputs.assertClose(expected.get(o.name()), session.extract(o.name()), 1e-5, what + " " + o.name());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void foldsIntoConvolutionDepthWiseAndInnerProductAndMatchesOnnxRuntime(Activation act) {
    Builder b = new Builder(18);
    Graph graph = b.g;
    graph.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4, 8, 8));
    String y1 = act.apply.apply(b, b.conv(act.apply.apply(b, b.conv("x", 4, 6)), 6, 6, 6));
    float[] fc = new float[5 * 6];
    for (int i = 0; i < fc.length; i++) {
      fc[i] = (float) b.rng.nextGaussian();
    }
    String pooled = b.op("Flatten", b.op("GlobalAveragePool", y1));
    String gemm = b.add(Node.builder("Gemm").inputs(pooled, b.weight(fc, 5, 6), b.weight(Arrays.copyOf(fc, 5), 5))
        .intAttr("transB", 1));
    String y2 = act.apply.apply(b, gemm);
    graph.addOutput(new ValueInfo(y1, DataType.FLOAT, Shape.unknown()));
    graph.addOutput(new ValueInfo(y2, DataType.FLOAT, Shape.unknown()));
    Tensor x = input(b, 2);
    Map<String, Tensor> expected = OnnxRuntime.run(OnnxWriter.toBytes(graph), Map.of("x", x));
    NcnnFiles files = lower(graph);
    Map<String, Integer> types = layerTypes(files);
    assertEquals(Map.of("Convolution", 1, "ConvolutionDepthWise", 1, "Flatten", 1, "InnerProduct", 1, "Input", 1,
        "Pooling", 1, "Reshape", 1), types, "no activation layer is left (the Reshape keeps GlobalAveragePool's"
        + " [1, C, 1, 1]): " + files.param());
    for (Node n : graph.nodes()) {
      if (n.opType().equals("Convolution") || n.opType().equals("ConvolutionDepthWise")
          || n.opType().equals("InnerProduct")) {
        assertEquals(act.type, n.attrInt("9", 0), n.name());
        float[] params = n.attrFloats("10");
        assertArrayEquals(act.params, params == null ? new float[0] : params, 1e-7f, n.name());
      }
    }
    assertNcnnMatches(graph, files, x, expected, act.toString());
  }
}
