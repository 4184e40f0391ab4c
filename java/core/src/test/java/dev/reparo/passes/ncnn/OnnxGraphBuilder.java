package dev.reparo.passes.ncnn;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import java.util.Random;

/** Builds small ONNX graphs for the lowering tests: one method per operator, seeded weights. */
final class OnnxGraphBuilder {
  final Graph g;
  private final Random rng;
  private int count;

  OnnxGraphBuilder(String name, long seed, long... inputShape) {
    g = new Graph(name, 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, inputShape));
    rng = new Random(seed);
  }

  String fresh(String base) {
    return base + "_" + count++;
  }

  float[] random(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian() * 0.5f;
    }
    return v;
  }

  String weight(float[] v, int... shape) {
    String name = fresh("w");
    g.putInitializer(name, Tensor.of(v, shape));
    return name;
  }

  String ints(long... v) {
    String name = fresh("i");
    g.putInitializer(name, LongTensor.vector(v));
    return name;
  }

  String conv(String x, int cin, int cout, int k, int stride, int pad, int group) {
    String w = weight(random(cout * cin / group * k * k), cout, cin / group, k, k);
    String b = weight(random(cout), cout);
    return node(Node.builder("Conv").inputs(x, w, b).intsAttr("kernel_shape", k, k)
        .intsAttr("strides", stride, stride).intsAttr("pads", pad, pad, pad, pad).intAttr("group", group));
  }

  String op(String type, String... inputs) {
    return node(Node.builder(type).inputs(inputs));
  }

  String node(Node.Builder b) {
    String out = fresh("v");
    Node n = b.outputs(out).name(fresh("n")).build();
    g.addNode(n);
    return out;
  }

  String[] split(String x, int axis, long... sizes) {
    String[] outs = {fresh("s"), fresh("s")};
    g.addNode(Node.builder("Split").name(fresh("split")).inputs(x, ints(sizes)).outputs(outs)
        .intAttr("axis", axis).build());
    return outs;
  }

  String silu(String x) {
    return op("Mul", x, op("Sigmoid", x));
  }

  String channelShuffle(String x, long c, long h, long w, long groups) {
    String r = op("Reshape", x, ints(1, groups, c / groups, h, w));
    String t = node(Node.builder("Transpose").inputs(r).intsAttr("perm", 0, 2, 1, 3, 4));
    return op("Reshape", t, ints(1, c, h, w));
  }

  Graph output(String... values) {
    for (String v : values) {
      g.addOutput(new ValueInfo(v, DataType.FLOAT, Shape.unknown()));
    }
    return g;
  }
}
