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
 * Makes Mish one Mish layer: below opset 18 PyTorch exports {@code nn.Mish} as {@code x *
 * tanh(softplus(x))}. Pattern: {@code BinaryOp(mul)(x, TanH(Softplus(x)))} in either operand order,
 * the TanH and the Softplus each read by nothing else (else the site is refused). Rewrite: {@code
 * Mish(x)}, which {@link FoldActivation} can then fold into a convolution before it. Stateless and
 * thread-safe.
 */
public final class FuseMish extends RewriteRule<FuseMish.Site> {
  record Site(Node mul, Node tanh, Node softplus, String x) {}

  public FuseMish() {
    super("ncnn-mish", true, "BinaryOp");
  }

  @Override
  public Match<Site> match(Graph g, Node mul) {
    return gatedProduct(g, mul, (tanh, x) -> {
      Node softplus = is(tanh, "TanH") ? g.producer(tanh.input(0)) : null;
      if (!is(softplus, "Softplus") || !softplus.input(0).equals(x)) {
        return Match.none();
      }
      if (soleConsumer(g, tanh.output(0)) != mul || soleConsumer(g, softplus.output(0)) != tanh) {
        return Match.refused(mul.name(), "the tanh(softplus(x)) of its Mish is read elsewhere too");
      }
      return Match.at(mul.name(), new Site(mul, tanh, softplus, x));
    });
  }

  @Override
  public void rewrite(Graph g, Site s) {
    g.replaceNode(s.mul(), layer("Mish", s.mul().name()).inputs(s.x()).outputs(s.mul().output(0)).build());
    g.removeNode(s.tanh());
    g.removeNode(s.softplus());
  }
}
