package dev.reparo.quant;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.GraphQueries;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The training distribution a training-form model carries with it: every inference-mode
 * BatchNormalization's running mean and variance, which are the per-channel mean and variance of
 * that node's input over the training images (as the EMA of training batches left them). Images
 * like the training images give BatchNorm inputs close to them; {@link DistributionShift} measures
 * how far other images' are.
 *
 * <p>A fused model (BatchNorm folded into its convolutions, as {@code reparo convert} leaves it)
 * has none: {@link #find} returns an empty list. Immutable.
 *
 * @param layer the BatchNormalization node's name (its output's when unnamed)
 * @param input the value it normalises, whose statistics are compared
 * @param mean running mean per channel
 * @param variance running variance per channel
 * @param epsilon the node's epsilon, added to the variance wherever it divides
 */
public record BatchNormStatistics(String layer, String input, float[] mean, float[] variance, double epsilon) {
  public BatchNormStatistics {
    if (mean.length != variance.length || mean.length == 0) {
      throw new IllegalArgumentException(layer + ": " + mean.length + " means but " + variance.length + " variances");
    }
    mean = mean.clone();
    variance = variance.clone();
  }

  public int channels() {
    return mean.length;
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] variance() {
    return variance.clone();
  }

  /** Running mean of channel c (no copy). */
  double mean(int c) {
    return mean[c];
  }

  /** Running variance of channel c (no copy). */
  double variance(int c) {
    return variance[c];
  }

  /**
   * The statistics of every inference-mode BatchNormalization of {@code graph} whose mean and
   * variance are constants, in node order; empty for a model without BatchNorm.
   */
  public static List<BatchNormStatistics> find(Graph graph) {
    List<BatchNormStatistics> found = new ArrayList<>();
    for (Node n : graph.nodes()) {
      if (!n.opType().equals("BatchNormalization") || !n.domain().isEmpty() && !n.domain().equals("ai.onnx")
          || n.attrInt("training_mode", 0) != 0 || n.inputs().size() < 5) {
        continue;
      }
      Tensor mean = constant(graph, n.input(3));
      Tensor var = constant(graph, n.input(4));
      if (mean == null || var == null || mean.size() != var.size() || mean.size() == 0) {
        continue;
      }
      String layer = n.name().isEmpty() ? n.output(0) : n.name();
      found.add(new BatchNormStatistics(layer, n.input(0), mean.data(), var.data(), n.attrFloat("epsilon", 1e-5f)));
    }
    return found;
  }

  /**
   * A copy of {@code graph} that also outputs each of {@code stats}' inputs (float, any shape), so
   * that a runtime can hand them over; the original outputs come first, unchanged.
   */
  public static Graph tapped(Graph graph, List<BatchNormStatistics> stats) {
    Graph copy = graph.copy();
    Set<String> outputs = new HashSet<>();
    copy.outputs().forEach(o -> outputs.add(o.name()));
    for (BatchNormStatistics s : stats) {
      if (outputs.add(s.input())) {
        copy.addOutput(new ValueInfo(s.input(), DataType.FLOAT, Shape.unknown()));
      }
    }
    return copy;
  }

  /** The float constant {@code value} is, following Identity nodes (exporters de-duplicate that way). */
  private static Tensor constant(Graph g, String value) {
    for (int hops = 0; hops < 16; hops++) {
      Tensor t = GraphQueries.floatConstant(g, value);
      if (t != null) {
        return t;
      }
      Node p = g.producer(value);
      if (p == null || !p.opType().equals("Identity")) {
        return null;
      }
      value = p.input(0);
    }
    return null;
  }
}
