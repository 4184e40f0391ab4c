package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.Arrays;
import java.util.List;

/**
 * Folds a per-channel constant multiply or add that follows a Conv into the conv: {@code Conv(x, W,
 * b) * m} becomes {@code Conv(x, W·m, b·m)}, {@code Conv(x, W, b) + a} becomes {@code Conv(x, W, b +
 * a)}, with {@code m}, {@code a} a scalar or one value per output channel ({@code [C,1,1]} or {@code
 * [1,C,1,1]}). YOLOv7's {@code ImplicitM} after its head convolution is such a multiply; chains
 * fold one step per round. Arithmetic in float64.
 *
 * <p>Refused, with the reason, when the conv output is read elsewhere or the constant varies along
 * height or width. Stateless and thread-safe.
 */
public final class FuseConvAffine extends RewriteRule<FuseConvAffine.Site> {
  record Site(Node conv, Node op, ConvAttributes attrs, float[] values) {}

  public FuseConvAffine() {
    super("fuse-conv-affine", false, "Mul", "Add");
  }

  @Override
  public Match<Site> match(Graph g, Node op) {
    for (int i = 0; i < 2; i++) {
      Node conv = g.producer(op.input(i));
      Tensor c = GraphQueries.floatConstant(g, op.input(1 - i));
      if (conv == null || !conv.opType().equals("Conv") || c == null) {
        continue;
      }
      String label = GraphQueries.label(op);
      if (GraphQueries.soleConsumer(g, conv.output(0)) != op) {
        return Match.refused(label, "output '" + conv.output(0) + "' of conv '" + GraphQueries.label(conv)
            + "' is also read elsewhere");
      }
      ConvAttributes attrs;
      try {
        attrs = ConvAttributes.of(g, conv);
      } catch (PatternRefused r) {
        return Match.refused(label, r.getMessage());
      }
      if (!GraphQueries.perChannel(c, attrs.outChannels())) {
        return Match.refused(label, "constant of shape " + Arrays.toString(c.shape())
            + " is not one value per channel of " + attrs.outChannels());
      }
      return Match.at(label, new Site(conv, op, attrs, c.data()));
    }
    return Match.none();
  }

  @Override
  public void rewrite(Graph g, Site s) {
    int out = s.attrs().outChannels();
    boolean mul = s.op().opType().equals("Mul");
    double[] scale = new double[out];
    double[] shift = new double[out];
    for (int o = 0; o < out; o++) {
      double v = s.values()[s.values().length == 1 ? 0 : o];
      scale[o] = mul ? v : 1;
      shift[o] = mul ? 0 : v;
    }
    Node fused = s.attrs().withAffine(g, s.op().output(0), scale, shift);
    g.replaceNode(s.conv(), fused);
    GraphEdits.removeNodes(g, List.of(s.conv(), s.op()));
  }
}
