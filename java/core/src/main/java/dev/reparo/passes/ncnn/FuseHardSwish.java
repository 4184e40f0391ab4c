package dev.reparo.passes.ncnn;

import static dev.reparo.passes.GraphQueries.soleConsumer;
import static dev.reparo.passes.ncnn.NcnnLayers.divisorOf;
import static dev.reparo.passes.ncnn.NcnnLayers.floatParam;
import static dev.reparo.passes.ncnn.NcnnLayers.gatedProduct;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.near;
import static dev.reparo.passes.ncnn.NcnnLayers.scalarOf;

import dev.reparo.format.ncnn.NcnnParams.BinaryOp;
import dev.reparo.format.ncnn.NcnnParams.Hard;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;
import java.util.List;

/**
 * Makes HardSwish spelled with primitives one HardSwish layer (ncnn's {@code x * clamp(alpha x +
 * beta, 0, 1)}, params 0 alpha and 1 beta). Below opset 14 PyTorch exports {@code nn.Hardswish} as
 * {@code x * HardSigmoid(x)} (alpha 1/6, beta 0.5); hand-written models spell it {@code x * relu6(x +
 * 3) / 6}.
 *
 * <p>Patterns, {@code BinaryOp(mul)} of x and, in either operand order:
 *
 * <ul>
 *   <li>{@code HardSigmoid(alpha, beta)(x)}, read by nothing else: rewritten to {@code
 *       HardSwish(alpha, beta)(x)};
 *   <li>{@code Clip(0, c)(x + b)}, each read by nothing else, the product then divided by the
 *       scalar c (or multiplied by 1/c): rewritten to {@code HardSwish(1/c, b/c)(x)}.
 * </ul>
 *
 * The rewrite leaves x with one reader fewer, so no Split is made for the sharing; when the hard
 * sigmoid is read elsewhere too the site is refused. (The spelling {@code x * (relu6(x + 3) / 6)}
 * becomes a HardSigmoid in {@link FuseHardSigmoid} first.) Stateless and thread-safe.
 */
public final class FuseHardSwish extends RewriteRule<FuseHardSwish.Site> {
  /** The HardSwish of x replaces {@code first..last}; {@code removed} go. */
  record Site(Node first, Node last, String x, float alpha, float beta, List<Node> removed) {}

  public FuseHardSwish() {
    super("ncnn-hardswish", true, "BinaryOp");
  }

  @Override
  public Match<Site> match(Graph g, Node mul) {
    return gatedProduct(g, mul, (gate, x) -> match(g, mul, gate, x));
  }

  /** {@code mul = gate * x} with {@code gate} the hard sigmoid. */
  private static Match<Site> match(Graph g, Node mul, Node gate, String x) {
    if (is(gate, "HardSigmoid") && gate.input(0).equals(x)) {
      if (soleConsumer(g, gate.output(0)) != mul) {
        return Match.refused(mul.name(), "the hard sigmoid of its HardSwish is read elsewhere too");
      }
      return Match.at(mul.name(), new Site(mul, mul, x, floatParam(gate, Hard.ALPHA, 0.2f),
          floatParam(gate, Hard.BETA, 0.5f), List.of(gate)));
    }
    float c = FuseHardSigmoid.upperBoundOfRelu(gate);
    Node add = Float.isNaN(c) ? null : g.producer(gate.input(0));
    float b = add == null ? Float.NaN : scalarOf(add, BinaryOp.ADD);
    if (Float.isNaN(b) || !add.input(0).equals(x)) {
      return Match.none();
    }
    Node div = soleConsumer(g, mul.output(0));
    if (div == null || !near(divisorOf(div), c)) {
      return Match.none(); // x * relu6(x + 3) without the / 6 is no HardSwish
    }
    if (soleConsumer(g, gate.output(0)) != mul || soleConsumer(g, add.output(0)) != gate) {
      return Match.refused(mul.name(), "the relu6(x + b) of its HardSwish is read elsewhere too");
    }
    return Match.at(mul.name(), new Site(mul, div, x, 1f / c, b / c, List.of(gate, add, mul)));
  }

  @Override
  public void rewrite(Graph g, Site s) {
    g.replaceNode(s.last(), layer("HardSwish", s.first().name()).inputs(s.x()).outputs(s.last().output(0))
        .floatAttr(Hard.ALPHA, s.alpha()).floatAttr(Hard.BETA, s.beta()).build());
    for (Node n : s.removed()) {
      if (n != s.last()) {
        g.removeNode(n);
      }
    }
  }
}
