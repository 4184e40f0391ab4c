package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lowering of the operators the fixtures do not exercise, checked in ncnn against ONNX Runtime
 * running the same hand-built ONNX graph: LeakyReLU, depthwise conv + HardSwish, Clip, channel split
 * and shuffle, per-channel Mul+Add (Scale), a leftover BatchNormalization, max and average pooling,
 * nearest Resize, a blob read twice, global pooling, Flatten, Gemm and Softmax.
 */
class NcnnExportHandBuiltTest {
  private final Random rng = new Random(11);
  private final Graph g = new Graph("hand", 14);
  private int count;

  private String fresh() {
    return "v" + count++;
  }

  private String weight(float scale, int... shape) {
    float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rng.nextGaussian() * scale;
    }
    String name = fresh();
    g.putInitializer(name, Tensor.of(v, shape));
    return name;
  }

  private String positive(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = 0.5f + rng.nextFloat();
    }
    String name = fresh();
    g.putInitializer(name, Tensor.of(v, n));
    return name;
  }

  private String ints(long... v) {
    String name = fresh();
    g.putInitializer(name, LongTensor.vector(v));
    return name;
  }

  private String add(Node.Builder b) {
    String out = fresh();
    g.addNode(b.name("n_" + out).outputs(out).build());
    return out;
  }

  private String op(String type, String... inputs) {
    return add(Node.builder(type).inputs(inputs));
  }

  private String conv(String x, int cin, int cout, int k, int group) {
    int pad = k / 2;
    return add(Node.builder("Conv").inputs(x, weight(0.4f, cout, cin / group, k, k), weight(0.2f, cout))
        .intsAttr("kernel_shape", k, k).intsAttr("pads", pad, pad, pad, pad).intAttr("group", group));
  }

  private Graph build() {
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4, 8, 8));
    String a = add(Node.builder("LeakyRelu").inputs(conv("x", 4, 8, 3, 1)).floatAttr("alpha", 0.1f));
    String s0 = fresh();
    String s1 = fresh();
    g.addNode(Node.builder("Split").name("split").inputs(a, ints(4, 4)).outputs(s0, s1).intAttr("axis", 1).build());
    String h = op("HardSwish", conv(s1, 4, 4, 3, 4));
    String cat = add(Node.builder("Concat").inputs(s0, h).intAttr("axis", 1));
    String r = op("Reshape", cat, ints(1, 2, 4, 8, 8));
    String t = add(Node.builder("Transpose").inputs(r).intsAttr("perm", 0, 2, 1, 3, 4));
    String sh = op("Reshape", t, ints(1, 8, 8, 8));
    String af = op("Add", op("Mul", sh, weight(1f, 8, 1, 1)), weight(1f, 8, 1, 1));
    String bn = op("BatchNormalization", af, weight(1f, 8), weight(1f, 8), weight(1f, 8), positive(8));
    String mp = add(Node.builder("MaxPool").inputs(bn).intsAttr("kernel_shape", 3, 3).intsAttr("strides", 2, 2)
        .intsAttr("pads", 1, 1, 1, 1));
    String ap = add(Node.builder("AveragePool").inputs(bn).intsAttr("kernel_shape", 2, 2).intsAttr("strides", 2, 2));
    String scales = fresh();
    g.putInitializer(scales, Tensor.of(new float[] {1, 1, 2, 2}, 4));
    String up = add(Node.builder("Resize").inputs(op("Add", mp, ap), "", scales).stringAttr("mode", "nearest")
        .stringAttr("coordinate_transformation_mode", "asymmetric").stringAttr("nearest_mode", "floor"));
    String y1 = add(Node.builder("Clip").inputs(conv(op("Add", up, sh), 8, 6, 1, 1), weight0(0f), weight0(6f)));
    String pooled = op("Flatten", op("GlobalAveragePool", y1));
    String fc = add(Node.builder("Gemm").inputs(pooled, weight(0.5f, 5, 6), weight(0.5f, 5)).intAttr("transB", 1));
    String y2 = add(Node.builder("Softmax").inputs(fc).intAttr("axis", 1));
    g.addOutput(new ValueInfo(y1, DataType.FLOAT, Shape.unknown()));
    g.addOutput(new ValueInfo(y2, DataType.FLOAT, Shape.unknown()));
    return g;
  }

  private String weight0(float v) {
    String name = fresh();
    g.putInitializer(name, Tensor.of(new float[] {v}));
    return name;
  }

  @ParameterizedTest
  @EnumSource(WeightStorage.class)
  void ncnnMatchesOnnxRuntime(WeightStorage storage) {
    Graph graph = build();
    float[] xs = new float[4 * 8 * 8];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rng.nextGaussian();
    }
    Tensor x = Tensor.of(xs, 1, 4, 8, 8);
    Map<String, Tensor> expected = OnnxRuntime.run(OnnxWriter.toBytes(graph), Map.of("x", x));

    NcnnLowering.lower(graph);
    NcnnFiles files = NcnnWriter.render(graph, storage);
    Map<String, Integer> types = new TreeMap<>();
    NcnnParam.parse(files.param(), "hand.param").layers().forEach(l -> types.merge(l.type(), 1, Integer::sum));
    assertEquals(Map.ofEntries(Map.entry("BatchNorm", 1), Map.entry("Concat", 1), Map.entry("Convolution", 2),
        Map.entry("ConvolutionDepthWise", 1), Map.entry("Eltwise", 2), Map.entry("Flatten", 1),
        Map.entry("InnerProduct", 1), Map.entry("Input", 1), Map.entry("Interp", 1), Map.entry("Pooling", 3),
        Map.entry("Reshape", 1), Map.entry("Scale", 1), Map.entry("ShuffleChannel", 1), Map.entry("Slice", 1),
        Map.entry("Softmax", 1), Map.entry("Split", 2)), types, files.param());

    double tolerance = storage == WeightStorage.FP32 ? 1e-4 : 1e-3;
    try (NcnnModel model = NcnnModel.load(files.paramBytes(), files.bin(), "hand",
        NcnnOptions.builder().threads(1).build());
        NcnnSession session = model.newSession()) {
      session.input("x", x);
      for (ValueInfo o : graph.outputs()) { // y1 also feeds the pooling head: extract it by name
        Outputs.assertClose(expected.get(o.name()), session.extract(o.name()), tolerance, o.name());
      }
    }
  }
}
