package dev.reparo.passes.ncnn;

import static dev.reparo.passes.GraphQueries.soleConsumer;
import static dev.reparo.passes.ncnn.NcnnLayers.divisorOf;
import static dev.reparo.passes.ncnn.NcnnLayers.isBinary;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.near;
import static dev.reparo.passes.ncnn.NcnnLayers.scalarOf;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.format.ncnn.NcnnParams.BinaryOp;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.Chain;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the exact GELU one GELU layer (param 0 fast_gelu = 0): below opset 20 PyTorch exports
 * {@code nn.GELU()} as {@code x * 0.5 * (1 + erf(x / sqrt 2))}.
 *
 * <p>Pattern, anchored at the Erf: {@code x} divided by sqrt 2 (or multiplied by 1/sqrt 2), Erf,
 * plus the scalar 1, then a {@code BinaryOp(mul)} with x followed by a multiplication by the scalar
 * 0.5, or a {@code BinaryOp(mul)} with {@code x * 0.5}; every intermediate read by nothing else
 * (else the site is refused). Rewrite: {@code GELU(x)}. The tanh approximation is not matched here;
 * ONNX's own {@code Gelu} (opset 20) is lowered to GELU directly. Stateless and thread-safe.
 */
public final class FuseGelu extends RewriteRule<FuseGelu.Site> {
  private static final float SQRT2 = (float) Math.sqrt(2);
  /** erf, + 1, the product with x (or with x * 0.5), each the only reader of the one before. */
  private static final Chain PATTERN = Chain.ofLayers("Erf", "BinaryOp", "BinaryOp");

  /** The chain in graph order, its last node replaced, named after the product. */
  record Site(List<Node> chain, String x, String name) {}

  public FuseGelu() {
    super("ncnn-gelu", true, "Erf");
  }

  @Override
  public Match<Site> match(Graph g, Node erf) {
    List<Node> tail = PATTERN.from(g, erf);
    Node scaled = g.producer(erf.input(0));
    if (tail == null || scaled == null || !near(divisorOf(scaled), SQRT2)
        || !near(scalarOf(tail.get(1), BinaryOp.ADD), 1f) || !isBinary(tail.get(2), BinaryOp.MUL)) {
      return Match.none();
    }
    Node plusOne = tail.get(1);
    Node mul = tail.get(2);
    String x = scaled.input(0);
    String other = mul.input(0).equals(plusOne.output(0)) ? mul.input(1) : mul.input(0);
    List<Node> chain = new ArrayList<>(List.of(scaled, erf, plusOne, mul));
    Node half = g.producer(other);
    if (other.equals(x)) {
      Node byHalf = soleConsumer(g, mul.output(0));
      if (byHalf == null || !near(scalarOf(byHalf, BinaryOp.MUL), 0.5f)) {
        return Match.none();
      }
      chain.add(byHalf);
    } else if (half != null && near(scalarOf(half, BinaryOp.MUL), 0.5f) && half.input(0).equals(x)) {
      chain.add(0, half);
    } else {
      return Match.none();
    }
    Node last = chain.get(chain.size() - 1);
    if (chain.stream().anyMatch(n -> n != last && !chain.contains(soleConsumer(g, n.output(0))))) {
      return Match.refused(mul.name(), "a part of its GELU is read elsewhere too");
    }
    return Match.at(mul.name(), new Site(chain, x, mul.name()));
  }

  @Override
  public void rewrite(Graph g, Site s) {
    Node last = s.chain().get(s.chain().size() - 1);
    g.replaceNode(last, layer("GELU", s.name()).inputs(s.x()).outputs(last.output(0))
        .intAttr(NcnnParams.GELU_FAST, 0).build());
    s.chain().stream().filter(n -> n != last).forEach(g::removeNode);
  }
}
