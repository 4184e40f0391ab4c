package dev.reparo.ncnn;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.Random;

/**
 * Builds small ONNX graphs for the lowering tests: nodes named after fresh values, convolutions
 * with seeded Gaussian weights, seeded Gaussian inputs. Not thread-safe (one per test).
 */
final class TestGraph {
  final Graph graph;
  private final Random rng;
  private int count;

  TestGraph(String name, long seed) {
    this.graph = new Graph(name, 13);
    this.rng = new Random(seed);
  }

  /** Adds the node and returns its (single) fresh output. */
  String op(Node.Builder b) {
    String out = "v" + count++;
    graph.addNode(b.name("n_" + out).outputs(out).build());
    return out;
  }

  String weight(Tensor t) {
    String name = "w" + count++;
    graph.putInitializer(name, t);
    return name;
  }

  /** A k x k convolution with "same" padding, weights N(0, 0.25), biases N(0, 1). */
  String conv(String x, int cin, int cout, int k, int stride, int group) {
    float[] w = gaussian(cout * cin / group * k * k, 0.5f);
    float[] b = gaussian(cout, 1f);
    int p = k / 2;
    return op(Node.builder("Conv").inputs(x, weight(Tensor.of(w, cout, cin / group, k, k)), weight(Tensor.of(b, cout)))
        .intsAttr("kernel_shape", k, k).intsAttr("strides", stride, stride).intsAttr("pads", p, p, p, p)
        .intAttr("group", group));
  }

  Tensor noise(float scale, int... shape) {
    return Tensor.of(gaussian((int) Tensor.elementCount(shape), scale), shape);
  }

  private float[] gaussian(int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian() * scale;
    }
    return v;
  }
}
