package dev.reparo.graph;

import dev.reparo.Tensor;
import java.util.Map;
import java.util.TreeMap;

/**
 * The size of a model as YOLOv5's "Model Summary" line reports it: layers (nodes) by operator,
 * parameters, and multiply-accumulates for one sample.
 *
 * <p>Parameters are the elements of every float initializer, so a training-form graph counts
 * BatchNormalization's running mean and variance too. MACs count Conv, ConvTranspose, Gemm and
 * MatMul only (the usual convention, and that of {@code tools/models/complexity.py}); normalisation,
 * activations, pooling, resizing and element-wise arithmetic are not counted. GFLOPs = 2·MACs/1e9.
 *
 * <p>Immutable and thread-safe.
 *
 * @param opCounts nodes per operator type, sorted by name
 */
public record ModelSummary(int layers, Map<String, Integer> opCounts, long parameters, long macs) {
  public ModelSummary {
    opCounts = Map.copyOf(opCounts);
  }

  /**
   * Summarises {@code graph}, inferring shapes to count MACs.
   *
   * @throws InvalidGraphException if a Conv/Gemm/MatMul output has a shape inference cannot know
   */
  public static ModelSummary of(Graph graph) {
    ShapeInference.Result shapes = ShapeInference.infer(graph);
    Map<String, Integer> ops = new TreeMap<>();
    long macs = 0;
    for (Node n : graph.nodes()) {
      ops.merge(n.opType(), 1, Integer::sum);
      macs += macsOf(n, shapes);
    }
    long params = 0;
    for (Tensor t : graph.initializers().values()) {
      params += t.size();
    }
    return new ModelSummary(graph.nodes().size(), ops, params, macs);
  }

  public double gflops() {
    return 2.0 * macs / 1e9;
  }

  /** "N layers, P parameters, G GFLOPs", the line users know from YOLOv5. */
  public String line() {
    return String.format("%d layers, %,d parameters, %.3f GFLOPs", layers, parameters, gflops());
  }

  private static long macsOf(Node n, ShapeInference.Result shapes) {
    switch (n.opType()) {
      case "Conv", "ConvTranspose" -> {
        // Each output element of Conv is a dot product over (Cin/groups)·kh·kw inputs; for
        // ConvTranspose each input element scatters into Cout/groups·kh·kw outputs.
        long[] w = known(n, shapes, n.input(1));
        long kernel = 1;
        for (int i = 2; i < w.length; i++) {
          kernel *= w[i];
        }
        // Weights are [Cout, Cin/groups, k...] for Conv and [Cin, Cout/groups, k...] for ConvTranspose.
        String counted = n.opType().equals("Conv") ? n.output(0) : n.input(0);
        return perSample(n, shapes, counted) * w[1] * kernel;
      }
      case "Gemm" -> {
        long[] w = known(n, shapes, n.input(1));
        long[] a = known(n, shapes, n.input(0));
        long rows = n.attrInt("transA", 0) != 0 ? a[1] : a[0];
        return rows * w[0] * w[1];
      }
      case "MatMul" -> {
        // Every output element is a dot product over the shared dimension K (batch dims included).
        long[] a = known(n, shapes, n.input(0));
        long outputs = 1;
        for (long d : known(n, shapes, n.output(0))) {
          outputs *= d;
        }
        return outputs * a[a.length - 1];
      }
      default -> {
        return 0;
      }
    }
  }

  /** Elements of one sample of an N×C×... value: every dimension but the leading batch one. */
  private static long perSample(Node n, ShapeInference.Result shapes, String value) {
    long[] dims = known(n, shapes, value);
    long count = 1;
    for (int i = 1; i < dims.length; i++) {
      count *= dims[i];
    }
    return count;
  }

  private static long[] known(Node n, ShapeInference.Result shapes, String value) {
    Shape s = shapes.shape(value);
    if (!s.isKnown()) {
      throw new InvalidGraphException(n, "shape of '" + value + "' is unknown, so its MACs cannot be counted");
    }
    return s.toArray();
  }
}
