package dev.reparo.passes.ncnn;

import static dev.reparo.passes.GraphQueries.soleConsumer;
import static dev.reparo.passes.ncnn.NcnnLayers.gatedProduct;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;

/**
 * Makes SiLU one Swish layer. Pattern: {@code BinaryOp(mul)(x, Sigmoid(x))} in either operand
 * order, the Sigmoid read by nothing else. Rewrite: {@code Swish(x)}. Stateless and thread-safe.
 */
public final class FuseSwish extends RewriteRule<FuseSwish.Site> {
  record Site(Node mul, Node sigmoid, String x) {}

  public FuseSwish() {
    super("ncnn-swish", true, "BinaryOp");
  }

  @Override
  public Match<Site> match(Graph g, Node mul) {
    return gatedProduct(g, mul, (sigmoid, x) -> {
      if (!is(sigmoid, "Sigmoid") || !sigmoid.input(0).equals(x)) {
        return Match.none();
      }
      if (soleConsumer(g, sigmoid.output(0)) != mul) {
        return Match.refused(mul.name(), "the sigmoid of its SiLU is read elsewhere too");
      }
      return Match.at(mul.name(), new Site(mul, sigmoid, x));
    });
  }

  @Override
  public void rewrite(Graph g, Site s) {
    g.replaceNode(s.mul(), layer("Swish", s.mul().name()).inputs(s.x()).outputs(s.mul().output(0)).build());
    g.removeNode(s.sigmoid());
  }
}
