package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;

/**
 * An inference-mode BatchNormalization node reduced to what it computes per channel:
 * {@code y = scale·x + shift} with {@code scale = γ/σ}, {@code shift = β − μ·γ/σ} and
 * {@code σ = sqrt(var + ε)}, in float64.
 */
record BatchNormAffine(Node node, double[] scale, double[] shift) {

  /**
   * Reads {@code bn}'s parameters.
   *
   * @throws PatternRefused when the node runs in training mode, exposes its running statistics as
   *     outputs, has non-constant parameters, or parameters of different lengths
   */
  static BatchNormAffine of(Graph g, Node bn) throws PatternRefused {
    String who = GraphQueries.label(bn);
    if (bn.attrInt("training_mode", 0) != 0) {
      throw new PatternRefused("BatchNormalization '" + who + "' runs in training mode");
    }
    if (bn.attrInt("spatial", 1) != 1) {
      throw new PatternRefused("BatchNormalization '" + who + "' has spatial=0");
    }
    for (int i = 1; i < bn.outputs().size(); i++) {
      if (!bn.output(i).isEmpty()) {
        throw new PatternRefused("BatchNormalization '" + who + "' also outputs its statistics");
      }
    }
    String[] names = {"scale", "bias", "mean", "var"};
    float[][] p = new float[4][];
    for (int i = 0; i < 4; i++) {
      Tensor t = GraphQueries.floatConstant(g, bn.input(i + 1));
      if (t == null) {
        throw new PatternRefused(names[i] + " of BatchNormalization '" + who + "' is not a constant");
      }
      p[i] = t.data();
      if (p[i].length != p[0].length) {
        throw new PatternRefused("BatchNormalization '" + who + "' has " + p[0].length + " scales but "
            + p[i].length + " values of " + names[i]);
      }
    }
    double eps = bn.attrFloat("epsilon", 1e-5f);
    int c = p[0].length;
    double[] scale = new double[c];
    double[] shift = new double[c];
    for (int i = 0; i < c; i++) {
      double sigma = Math.sqrt((double) p[3][i] + eps);
      scale[i] = p[0][i] / sigma;
      shift[i] = p[1][i] - p[2][i] * scale[i];
    }
    return new BatchNormAffine(bn, scale, shift);
  }

  int channels() {
    return scale.length;
  }
}
