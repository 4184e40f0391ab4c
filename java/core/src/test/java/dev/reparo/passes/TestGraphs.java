package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.Map;
import java.util.Random;

/** Builds small graphs with random weights for pass tests, and compares their outputs. */
final class TestGraphs {
  final Graph g;
  private final Random rnd;
  private final String inputName;
  private final int[] inputShape;

  TestGraphs(long seed, String input, int... shape) {
    g = new Graph("test", 13);
    rnd = new Random(seed);
    inputName = input;
    inputShape = shape.clone();
    long[] dims = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = shape[i];
    }
    g.addInput(ValueInfo.of(input, DataType.FLOAT, dims));
  }

  Tensor random(double scale, int... shape) {
    float[] f = new float[Math.toIntExact(Tensor.elementCount(shape))];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (rnd.nextGaussian() * scale);
    }
    return Tensor.of(f, shape);
  }

  String weight(String name, Tensor t) {
    g.putInitializer(name, t);
    return name;
  }

  /** Conv with a k x k kernel, symmetric pad, random weights, bias if asked. */
  String conv(String name, String x, int cin, int cout, int k, int stride, int pad, int group,
      int dilation, boolean bias) {
    Node.Builder b = Node.builder("Conv").name(name).outputs(name + "_out")
        .intsAttr("kernel_shape", k, k).intsAttr("strides", stride, stride)
        .intsAttr("pads", pad, pad, pad, pad).intsAttr("dilations", dilation, dilation)
        .intAttr("group", group);
    String w = weight(name + ".w", random(0.5, cout, cin / group, k, k));
    if (bias) {
      b.inputs(x, w, weight(name + ".b", random(0.5, cout)));
    } else {
      b.inputs(x, w);
    }
    g.addNode(b.build());
    return name + "_out";
  }

  String conv(String name, String x, int cin, int cout, int k, int stride, int group) {
    return conv(name, x, cin, cout, k, stride, k / 2, group, 1, false);
  }

  /** BatchNormalization with random statistics (variance well away from 0), epsilon 1e-3. */
  String bn(String name, String x, int c) {
    float[] var = new float[c];
    for (int i = 0; i < c; i++) {
      var[i] = (float) (0.2 + rnd.nextDouble());
    }
    Tensor gamma = random(0.5, c);
    Tensor beta = random(0.5, c);
    Tensor mean = random(0.5, c);
    g.addNode(Node.builder("BatchNormalization").name(name)
        .inputs(x, weight(name + ".gamma", gamma), weight(name + ".beta", beta),
            weight(name + ".mean", mean), weight(name + ".var", Tensor.of(var, c)))
        .outputs(name + "_out").floatAttr("epsilon", 1e-3f).build());
    return name + "_out";
  }

  String op(String op, String name, String... inputs) {
    g.addNode(Node.builder(op).name(name).inputs(inputs).outputs(name + "_out").build());
    return name + "_out";
  }

  Graph output(String value) {
    g.addOutput(ValueInfo.unknown(value));
    GraphValidator.validate(g);
    return g;
  }

  /** A random input of the graph input's shape. */
  ReferenceEvaluator.Value input(long seed) {
    Random r = new Random(seed);
    int n = Math.toIntExact(Tensor.elementCount(inputShape));
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = (float) r.nextGaussian();
    }
    return new ReferenceEvaluator.Value(inputShape.clone(), d);
  }

  /** Evaluates {@code before} and {@code after} on the same random input and checks they agree. */
  void assertSameOutputs(Graph before, Graph after, double relTol) {
    ReferenceEvaluator.Value x = input(99);
    ReferenceEvaluator.Value a = ReferenceEvaluator.run(before, Map.of(inputName, x));
    ReferenceEvaluator.Value b = ReferenceEvaluator.run(after, Map.of(inputName, x));
    assertTrue(java.util.Arrays.equals(a.shape(), b.shape()),
        java.util.Arrays.toString(a.shape()) + " vs " + java.util.Arrays.toString(b.shape()));
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < a.size(); i++) {
      maxAbs = Math.max(maxAbs, Math.abs(a.data()[i]));
      maxDiff = Math.max(maxDiff, Math.abs(a.data()[i] - b.data()[i]));
    }
    assertTrue(maxAbs > 1e-3, "the test output is all but zero, it would prove nothing");
    assertTrue(maxDiff <= relTol * maxAbs, "max |diff| " + maxDiff + " exceeds " + relTol + " x " + maxAbs);
  }

  static long count(Graph g, String op) {
    return g.nodes().stream().filter(n -> n.opType().equals(op)).count();
  }
}
