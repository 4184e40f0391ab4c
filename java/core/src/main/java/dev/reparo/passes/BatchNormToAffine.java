package dev.reparo.passes;

import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import java.util.Arrays;
import java.util.List;

/**
 * Rewrites a BatchNormalization that no conv absorbed as {@code Mul(x, scale) -> Add(·, shift)}
 * with {@code [C, 1, ..., 1]} constants that broadcast over the spatial axes ({@code scale = γ/σ},
 * {@code shift = β − μγ/σ}, float64 arithmetic). The ncnn exporter maps that pair to a Scale layer.
 * Run it after {@link FuseConvBatchNorm} and {@link ReparameterizeRepVgg}, which fold the BNs
 * they can.
 *
 * <p>Refused when the input's rank is not known or is below 2, or the BN is not in inference form
 * with constant parameters.
 *
 * <p>Stateless and thread-safe.
 */
public final class BatchNormToAffine implements GraphPass {
  @Override
  public String name() {
    return "batchnorm-to-affine";
  }

  @Override
  public void run(Graph g, PassLog log) {
    boolean inferred = false;
    String inferenceFailure = null;
    for (Node bn : List.copyOf(g.nodes())) {
      if (!bn.opType().equals("BatchNormalization")) {
        continue;
      }
      try {
        Shape shape = shapeOf(g, bn.input(0));
        if (!shape.hasRank() && !inferred) {
          inferred = true;
          try {
            ShapeInference.infer(g);
          } catch (ReparoException e) {
            inferenceFailure = e.getMessage();
          }
          shape = shapeOf(g, bn.input(0));
        }
        if (!shape.hasRank()) {
          throw new PatternRefused("rank of input '" + bn.input(0) + "' is unknown"
              + (inferenceFailure == null ? "" : " (shape inference failed: " + inferenceFailure + ")"));
        }
        rewrite(g, bn, shape);
        log.rewrote(GraphQueries.label(bn));
      } catch (PatternRefused r) {
        log.refused(GraphQueries.label(bn), r.getMessage());
      }
    }
  }

  private static Shape shapeOf(Graph g, String value) {
    ValueInfo v = g.valueInfo(value);
    return v == null ? Shape.unknown() : v.shape();
  }

  private static void rewrite(Graph g, Node bnNode, Shape inputShape) throws PatternRefused {
    BatchNormAffine bn = BatchNormAffine.of(g, bnNode);
    int rank = inputShape.rank();
    if (rank < 2) {
      throw new PatternRefused("input '" + bnNode.input(0) + "' has rank " + rank + ", below 2");
    }
    if (inputShape.dim(1).isKnown() && inputShape.dim(1).value() != bn.channels()) {
      throw new PatternRefused("input '" + bnNode.input(0) + "' has " + inputShape.dim(1).value()
          + " channels, the BatchNormalization " + bn.channels());
    }
    int[] constShape = new int[rank - 1];
    Arrays.fill(constShape, 1);
    constShape[0] = bn.channels();
    String base = bnNode.name().isEmpty() ? bnNode.output(0) : bnNode.name();
    String scaleName = g.uniqueName(base + ".scale");
    g.putInitializer(scaleName, Tensor.of(ConvAttributes.toFloat(bn.scale()), constShape));
    String shiftName = g.uniqueName(base + ".shift");
    g.putInitializer(shiftName, Tensor.of(ConvAttributes.toFloat(bn.shift()), constShape));
    String scaled = g.uniqueName(bnNode.output(0) + "_scaled");
    Node mul = Node.builder("Mul").name(g.uniqueName(base + "_mul")).inputs(bnNode.input(0), scaleName)
        .outputs(scaled).build();
    Node add = Node.builder("Add").name(g.uniqueName(base + "_add")).inputs(scaled, shiftName)
        .outputs(bnNode.output(0)).build();
    int at = g.nodes().indexOf(bnNode);
    g.replaceNode(bnNode, add);
    g.addNode(at, mul);
    GraphEdits.removeNodes(g, List.of(bnNode));
  }
}
